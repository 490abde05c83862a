import { html, type Html } from '../html';
import type { Translate } from '../i18n';
import { field, form, radios, section, select } from './controls';
import { notice } from './notice';

const WATCHLIST_KEY_TYPES = ['line_user_id', 'bank_account', 'atm_account', 'order_number', 'phone'] as const;

/**
 * The support console: sign-in, the dispute queue, one order's detail and resolution, and the
 * staff tools. Sections marked data-optional-route are hidden until the API shows the route exists.
 */
export function supportBody(t: Translate): Html {
  // Staff sign in at the company's identity provider (OpenID Connect); the link starts that flow.
  const signIn = html`<p>${t('support.signin.intro')}</p>
    <p id="signin-error" class="error" role="alert" hidden></p>
    <p><a id="signin-link" class="button-link" href="/auth/staff/login?next=%2Fpages%2Fsupport">${t('support.signin.submit')}</a></p>`;

  const queue = html`<p id="whoami" class="hint"></p>
    <div class="row">
      <button type="button" id="queue-refresh" class="secondary">${t('support.queue.refresh')}</button>
      <button type="button" id="signout" class="secondary">${t('support.signout')}</button>
    </div>
    <p id="queue-empty" hidden>${t('support.queue.empty')}</p>
    <ul id="queue-list" class="queue"></ul>
    ${form({
      id: 'lookup-form',
      submit: t('support.lookup.submit'),
      detailField: 'code',
      className: 'plain',
      body: field({ form: 'lookup', name: 'code', label: t('support.lookup.code'), autocomplete: 'off', maxlength: 26 }),
    })}`;

  const detail = html`<dl class="facts">
      <div>
        <dt>${t('support.detail.state')}</dt>
        <dd data-detail="state"></dd>
      </div>
      <div>
        <dt>${t('product.name')}</dt>
        <dd data-detail="productName"></dd>
      </div>
      <div>
        <dt>${t('support.detail.total')}</dt>
        <dd data-detail="total"></dd>
      </div>
      <div>
        <dt>${t('product.transaction_code')}</dt>
        <dd data-detail="transactionCode"></dd>
      </div>
      <div>
        <dt>${t('support.detail.buyer')}</dt>
        <dd data-detail="buyerId"></dd>
      </div>
      <div>
        <dt>${t('support.detail.seller')}</dt>
        <dd data-detail="sellerId"></dd>
      </div>
      <div>
        <dt>${t('support.detail.reason')}</dt>
        <dd data-detail="reason"></dd>
      </div>
    </dl>
    <p><a id="temporal-link" target="_blank" rel="noopener noreferrer">${t('support.detail.temporal')}</a></p>
    <h3>${t('support.messages.heading')}</h3>
    <p id="messages-empty" hidden>${t('support.messages.empty')}</p>
    <table id="messages" class="messages">
      <thead>
        <tr>
          <th scope="col">${t('support.messages.sent_at')}</th>
          <th scope="col">${t('support.messages.to')}</th>
          <th scope="col">${t('support.messages.kind')}</th>
        </tr>
      </thead>
      <tbody></tbody>
    </table>
    ${form({
      id: 'resolve-form',
      submit: t('support.resolve.submit'),
      detailField: 'sellerAmountMinor',
      className: 'plain',
      hidden: true,
      body: html`<h3>${t('support.resolve.heading')}</h3>
        ${radios({ form: 'resolve', name: 'resolution', legend: t('support.resolve.resolution'), options: (['release', 'refund', 'split'] as const).map((v) => ({ value: v, label: t(`support.resolve.${v}`) })) })}
        <p id="amounts-hint" class="hint"></p>
        ${field({ form: 'resolve', name: 'sellerAmountMinor', label: t('support.resolve.seller_amount'), inputmode: 'numeric' })}
        ${field({ form: 'resolve', name: 'buyerAmountMinor', label: t('support.resolve.buyer_amount'), inputmode: 'numeric' })}
        ${field({ form: 'resolve', name: 'note', label: t('support.resolve.note'), multiline: true, maxlength: 2000 })}`,
    })}`;

  const bindings = form({
    id: 'bindings-form',
    submit: t('support.bindings.submit'),
    detailField: 'userId',
    className: 'plain',
    body: field({ form: 'bindings', name: 'userId', label: t('support.bindings.user'), autocomplete: 'off' }),
  });

  const unlock = form({
    id: 'unlock-form',
    submit: t('support.unlock.submit'),
    detailField: 'userId',
    className: 'plain',
    body: field({ form: 'unlock', name: 'userId', label: t('support.unlock.user'), autocomplete: 'off' }),
  });

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

  const payouts = html`<p id="payouts-empty" hidden>${t('support.payouts.empty')}</p>
    <ul id="payouts-list" class="queue"></ul>
    ${form({
      id: 'payout-form',
      submit: t('support.payouts.release'),
      detailField: 'payoutId',
      className: 'plain',
      actions: [{ name: 'decision', value: 'reject', label: t('support.payouts.reject') }],
      body: html`${field({ form: 'payout', name: 'payoutId', label: t('support.payouts.id'), autocomplete: 'off' })}
      ${field({ form: 'payout', name: 'note', label: t('support.payouts.note') })}`,
    })}`;

  const parked = html`<p id="parked-empty" hidden>${t('support.parked.empty')}</p>
    <ul id="parked-list" class="queue"></ul>
    ${form({
      id: 'parked-form',
      submit: t('support.parked.submit'),
      detailField: 'code',
      className: 'plain',
      body: html`${field({ form: 'parked', name: 'code', label: t('support.lookup.code'), autocomplete: 'off', maxlength: 26 })}
      ${radios({ form: 'parked', name: 'action', legend: t('support.parked.action'), options: (['retry', 'refund'] as const).map((v) => ({ value: v, label: t(`support.parked.${v}`) })) })}
      ${field({ form: 'parked', name: 'note', label: t('support.resolve.note'), multiline: true, maxlength: 2000 })}`,
    })}`;

  return html`${notice()} ${section('signin', t('support.signin.heading'), signIn)} ${section('queue', t('support.queue.heading'), queue)}
  ${section(
    'detail',
    null,
    html`<h2 id="detail-heading"></h2>
      ${detail}`,
  )}
  ${section('bindings', t('support.bindings.heading'), bindings)}
  ${optional('watchlist', t('support.watchlist.heading'), watchlist, ['POST /api/support/watchlist', 'DELETE /api/support/watchlist/0'])}
  ${optional('parked', t('support.parked.heading'), parked, ['GET /api/support/parked'])}
  ${optional('payouts', t('support.payouts.heading'), payouts, ['GET /api/support/payouts', 'POST /api/support/payouts/probe/release'])}
  ${optional('unlock', t('support.unlock.heading'), unlock, ['POST /api/support/users/probe/wallet/unlock'])}`;
}

/** A section whose API is built elsewhere: shown only once every probed route answers. */
function optional(id: string, heading: string, body: Html, routes: string[]): Html {
  return html`<section id="${id}" class="card" hidden aria-labelledby="${id}-h" data-optional-route="${routes.join(',')}">
    <h2 id="${id}-h">${heading}</h2>
    ${body}
  </section>`;
}
