import { html, type Html } from '../html';
import type { MessageKey, Translate } from '../i18n';
import { field, form, radios, section, select } from './controls';
import { notice } from './notice';

const WATCHLIST_KEY_TYPES = ['line_user_id', 'bank_account', 'atm_account', 'order_number', 'phone'] as const;
const QUEUES = ['disputes', 'payouts', 'bindings', 'lockouts', 'parked', 'line-events'] as const;
const PAGE_SIZES = [10, 20, 50];

/**
 * The support console, for a desktop screen (and still usable on a phone): sign-in; one search
 * box; the work queues as tables (filter, sort, page); a deal's whole page with its actions;
 * one reason form every row action goes through. The page script fills the tables from the
 * API; sections marked data-optional-route stay hidden until the API shows the route exists.
 */
export function supportBody(t: Translate): Html {
  // Staff sign in at the company's identity provider (OpenID Connect); the link starts that flow.
  const signIn = html`<p>${t('support.signin.intro')}</p>
    <p id="signin-error" class="error" role="alert" hidden></p>
    <p><a id="signin-link" class="button-link" href="/auth/staff/login?next=%2Fpages%2Fsupport">${t('support.signin.submit')}</a></p>`;

  const who = html`<p id="ops-banner" class="error" role="alert" hidden></p>
    <div class="console-bar">
      <p id="whoami" class="hint"></p>
      <button type="button" id="signout" class="secondary small">${t('support.signout')}</button>
    </div>
    ${form({
      id: 'search-form',
      submit: t('console.search.submit'),
      detailField: 'q',
      className: 'card search',
      body: field({ form: 'search', name: 'q', label: t('console.search.label'), autocomplete: 'off', maxlength: 100 }),
    })}`;

  const results = html`<p id="search-matched" class="hint"></p>
    <p id="search-none" hidden>${t('console.search.none')}</p>
    <div class="table-wrap">
      <table id="search-orders" class="grid" hidden>
        <caption>
          ${t('console.search.orders')}
        </caption>
        <thead>
          <tr>
            ${(['transactionCode', 'productName', 'state', 'totalMinor', 'buyer', 'seller', 'updatedAt'] as const).map(
              (c) => html`<th scope="col">${t(`console.col.${c}`)}</th>`,
            )}
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <div class="table-wrap">
      <table id="search-users" class="grid" hidden>
        <caption>
          ${t('console.search.users')}
        </caption>
        <thead>
          <tr>
            ${(['user', 'wallet', 'reason', 'transactionCode'] as const).map((c) => html`<th scope="col">${t(`console.col.${c}`)}</th>`)}
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>`;

  const queues = html`<div role="tablist" id="queue-tabs" class="tabs" aria-label="${t('console.queues.heading')}">
      ${QUEUES.map(
        (q, i) =>
          html`<button
            type="button"
            role="tab"
            id="tab-${q}"
            data-queue="${q}"
            aria-selected="${i === 0 ? 'true' : 'false'}"
            aria-controls="queue-panel"
          >
            ${t(`console.queue.${q}` as MessageKey)}
          </button>`,
      )}
    </div>
    <div id="queue-panel" role="tabpanel">
      <div class="queue-tools">
        <div class="field">
          <label for="queue-q">${t('console.queue.filter')}</label>
          <input id="queue-q" type="text" autocomplete="off" maxlength="100" />
        </div>
        <div class="field" id="queue-filter-field">
          <label for="queue-filter" id="queue-filter-label"></label>
          <select id="queue-filter"></select>
        </div>
        <div class="field">
          <label for="queue-page-size">${t('console.queue.page_size')}</label>
          <select id="queue-page-size">
            ${PAGE_SIZES.map((n) => html`<option value="${n}">${n}</option>`)}
          </select>
        </div>
      </div>
      <p id="queue-error" class="form-error" role="alert"></p>
      <div class="table-wrap">
        <table id="queue-table" class="grid">
          <caption id="queue-caption"></caption>
          <thead>
            <tr></tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="queue-empty" hidden>${t('console.queue.empty')}</p>
      <nav class="pager" aria-label="${t('console.queues.heading')}">
        <button type="button" id="queue-prev" class="secondary small">${t('console.queue.prev')}</button>
        <span id="queue-page" aria-live="polite"></span>
        <button type="button" id="queue-next" class="secondary small">${t('console.queue.next')}</button>
      </nav>
    </div>`;

  // Every row action (approve, reject, clear, unlock, re-drive) asks for its reason here.
  const action = form({
    id: 'action-form',
    submit: t('console.action.confirm'),
    detailField: 'reason',
    className: 'plain',
    actions: [{ name: 'cancel', value: 'cancel', label: t('console.action.cancel') }],
    body: html`<h3 id="action-title"></h3>
      ${field({ form: 'action', name: 'reason', label: t('console.action.reason'), multiline: true, maxlength: 2000 })}`,
  });

  const parties = html`<h3>${t('console.deal.parties')}</h3>
    <div class="table-wrap">
      <table id="parties" class="grid">
        <thead>
          <tr>
            ${(['role', 'user', 'wallet', 'bindings', 'action'] as const).map((c) => html`<th scope="col">${t(`console.col.${c}`)}</th>`)}
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>`;

  const roleOptions = (['buyer', 'seller'] as const).map((v) => ({ value: v, label: t(`console.role.${v}`) }));
  const dealForms = html`<div class="columns">
    ${form({
      id: 'message-form',
      submit: t('console.message.submit'),
      detailField: 'text',
      className: 'card',
      body: html`<h3>${t('console.message.heading')}</h3>
        ${select({ form: 'message', name: 'to', label: t('console.message.to'), options: roleOptions })}
        ${field({ form: 'message', name: 'text', label: t('console.message.text'), multiline: true, maxlength: 2000 })}
        ${field({ form: 'message', name: 'reason', label: t('console.reason') })}`,
    })}
    ${form({
      id: 'ask-form',
      submit: t('console.ask.submit'),
      detailField: 'note',
      className: 'card',
      body: html`<h3>${t('console.ask.heading')}</h3>
        ${select({ form: 'ask', name: 'from', label: t('console.ask.from'), options: roleOptions })}
        ${field({ form: 'ask', name: 'note', label: t('console.ask.note'), multiline: true, maxlength: 2000 })}
        ${field({ form: 'ask', name: 'reason', label: t('console.reason') })}`,
    })}
  </div>`;

  const resolve = form({
    id: 'resolve-form',
    submit: t('support.resolve.submit'),
    detailField: 'sellerAmountMinor',
    className: 'card',
    hidden: true,
    body: html`<h3>${t('support.resolve.heading')}</h3>
      ${radios({ form: 'resolve', name: 'resolution', legend: t('support.resolve.resolution'), options: (['release', 'refund', 'split'] as const).map((v) => ({ value: v, label: t(`support.resolve.${v}`) })) })}
      <p id="amounts-hint" class="hint"></p>
      ${field({ form: 'resolve', name: 'sellerAmountMinor', label: t('support.resolve.seller_amount'), inputmode: 'numeric' })}
      ${field({ form: 'resolve', name: 'buyerAmountMinor', label: t('support.resolve.buyer_amount'), inputmode: 'numeric' })}
      ${field({ form: 'resolve', name: 'note', label: t('support.resolve.note'), multiline: true, maxlength: 2000 })}`,
  });

  const parked = form({
    id: 'parked-form',
    submit: t('support.parked.submit'),
    detailField: 'note',
    className: 'card',
    hidden: true,
    body: html`<h3>${t('support.parked.heading')}</h3>
      ${radios({ form: 'parked', name: 'action', legend: t('support.parked.action'), options: (['retry', 'refund'] as const).map((v) => ({ value: v, label: t(`support.parked.${v}`) })) })}
      ${field({ form: 'parked', name: 'note', label: t('support.resolve.note'), multiline: true, maxlength: 2000 })}`,
  });

  const deadline = form({
    id: 'deadline-form',
    submit: t('console.deadline.submit'),
    detailField: 'reason',
    className: 'card',
    hidden: true,
    body: html`<h3>${t('console.deadline.heading')}</h3>
      ${select({ form: 'deadline', name: 'extendByHours', label: t('console.deadline.hours'), options: ['24', '48', '72', '168'].map((v) => ({ value: v, label: v })) })}
      ${field({ form: 'deadline', name: 'reason', label: t('console.reason') })}`,
  });

  const table = (id: string, columns: MessageKey[]) =>
    html`<div class="table-wrap">
      <table id="${id}" class="grid">
        <thead>
          <tr>
            ${columns.map((c) => html`<th scope="col">${t(c)}</th>`)}
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>`;

  const deal = html`<div class="console-bar">
      <h2 id="deal-heading"></h2>
      <button type="button" id="deal-close" class="secondary small">${t('console.deal.close')}</button>
    </div>
    <dl class="facts wide-facts">
      ${(
        [
          ['state', 'support.detail.state'],
          ['total', 'support.detail.total'],
          ['transactionCode', 'product.transaction_code'],
          ['paymentCode', 'console.deal.payment_code'],
          ['reason', 'support.detail.reason'],
          ['deadline', 'console.deal.deadline'],
        ] as const
      ).map(
        ([name, key]) =>
          html`<div>
            <dt>${t(key)}</dt>
            <dd data-detail="${name}"></dd>
          </div>`,
      )}
    </dl>
    <p><a id="temporal-link" target="_blank" rel="noopener noreferrer">${t('support.detail.temporal')}</a></p>
    ${parties} ${resolve} ${parked} ${deadline} ${dealForms}
    <h3>${t('console.deal.evidence')}</h3>
    <p id="evidence-none" hidden>${t('console.deal.evidence.none')}</p>
    <div id="evidence" class="evidence"></div>
    <h3>${t('console.deal.timeline')}</h3>
    ${table('timeline', ['console.col.at', 'console.col.state', 'console.col.actor', 'console.col.details'])}
    <h3>${t('console.deal.messages')}</h3>
    <div id="messages" class="bubbles"></div>
    <h3>${t('console.deal.ledger')}</h3>
    ${table('ledger', ['console.col.at', 'console.col.id', 'console.col.from', 'console.col.to', 'console.col.amountMinor', 'console.col.state'])}
    <h3>${t('console.deal.audit')}</h3>
    ${table('audit', ['console.col.at', 'console.col.actor', 'console.col.action', 'console.col.details'])}`;

  const watchlist = html`${form({
    id: 'watchlist-add-form',
    submit: t('support.watchlist.add'),
    className: 'plain',
    body: html`${select({ form: 'watchlist', name: 'keyType', label: t('support.watchlist.key_type'), options: WATCHLIST_KEY_TYPES.map((v) => ({ value: v, label: t(`support.watchlist.key_type.${v}`) })) })}
    ${field({ form: 'watchlist', name: 'value', label: t('support.watchlist.value'), autocomplete: 'off' })}
    ${field({ form: 'watchlist', name: 'reason', label: t('support.watchlist.reason') })}
    ${field({ form: 'watchlist', name: 'expiresAt', label: t('support.watchlist.expires'), type: 'date' })}`,
  })}${form({
    id: 'watchlist-remove-form',
    submit: t('support.watchlist.remove'),
    detailField: 'id',
    className: 'plain secondary',
    body: html`${field({ form: 'unlist', name: 'id', label: t('support.watchlist.entry_id'), inputmode: 'numeric' })}
    ${field({ form: 'unlist', name: 'reason', label: t('support.watchlist.reason') })}`,
  })}`;

  return html`${notice()} ${section('signin', t('support.signin.heading'), signIn)}
    <div id="console" hidden>
      ${who} ${section('search-results', t('console.search.heading'), results)}
      ${section('queues', t('console.queues.heading'), html`${queues} ${action}`, { hidden: false })} ${section('deal', null, deal)}
      ${optional('watchlist', t('support.watchlist.heading'), watchlist, ['POST /api/support/watchlist', 'DELETE /api/support/watchlist/0'])}
    </div>`;
}

/** A section whose API is built elsewhere: shown only once every probed route answers. */
function optional(id: string, heading: string, body: Html, routes: string[]): Html {
  return html`<section id="${id}" class="card" hidden aria-labelledby="${id}-h" data-optional-route="${routes.join(',')}">
    <h2 id="${id}-h">${heading}</h2>
    ${body}
  </section>`;
}
