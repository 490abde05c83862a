// The support console. Staff sign in with their company account (OpenID Connect, through our
// /auth/staff routes); the session is an HttpOnly cookie this script never sees, and the API
// decides what each role may do, so a viewer sees a 403 where an agent would act.
import {
  $,
  api,
  bindForm,
  fieldError,
  formatDateTime,
  formatDuration,
  formatMoney,
  hideNotice,
  poll,
  routeExists,
  setStaffCsrfToken,
  setStatus,
  show,
  showNotice,
  start,
  t,
} from './client.js';
import { el, messageBubble } from './bubble.js';

const staff = { auth: 'staff' };
let current; // the deal on screen: { code, total, currency, state }
let stopFollowing;
let pendingAction; // the row action waiting for its reason: { title, run(reason) }

async function staffCall(method, path) {
  const res = await api(method, path, staff);
  if (res.status === 401) {
    showSignIn();
    showNotice(t('support.signin.ended'));
  }
  return res;
}

function showSignIn() {
  setStaffCsrfToken(undefined);
  show('#console', false);
  // Back here after signing in, in the same language.
  $('#signin-link').href = `/auth/staff/login?next=${encodeURIComponent(location.pathname + languageQuery())}`;
  show('#signin', true);
}

function languageQuery() {
  const lang = new URLSearchParams(location.search).get('lang');
  return lang ? `?lang=${encodeURIComponent(lang)}` : '';
}

async function currentSession() {
  const res = await api('GET', '/auth/staff/session', { auth: 'none' });
  return res.ok ? res.body : undefined;
}

async function signOut() {
  await api('POST', '/auth/staff/logout', staff);
  showSignIn();
}

// ---- small DOM helpers ------------------------------------------------------------------

const button = (label, onClick, className = 'small') => el('button', { type: 'button', className, on: { click: onClick } }, label);
const when = (iso) => (iso ? formatDateTime(Date.parse(iso)) : '—');
const person = (name, id) => (name ? `${name}` : id ? `${id.slice(0, 5)}…${id.slice(-4)}` : '—');
const roleWord = (role) => t(`console.role.${role}`);

// ---- queues ------------------------------------------------------------------------------

/** Each queue's columns: [key, render(row), sortKey?, className?] and its row actions. */
const QUEUES = {
  disputes: {
    filter: { name: 'currency', values: ['TWD', 'JPY', 'THB', 'USD'] },
    columns: [
      ['transactionCode', (r) => r.transactionCode],
      ['productName', (r) => r.productName, 'productName'],
      ['totalMinor', (r) => formatMoney(r.totalMinor, r.currency), 'totalMinor', 'num'],
      ['buyer', (r) => person(r.buyerName, r.buyerId)],
      ['seller', (r) => person(r.sellerName, r.sellerId)],
      ['reason', (r) => (r.buyerSays ? `“${r.buyerSays}”` : (r.reason ?? ''))],
      ['ageMs', (r) => formatDuration(r.ageMs), 'ageMs', 'num'],
      ['deadlineAt', (r) => (r.escalated ? `${when(r.deadlineAt)} · ${t('console.escalated')}` : when(r.deadlineAt)), 'deadlineAt'],
      ['evidence', (r) => String(r.evidence), 'evidence', 'num'],
    ],
    actions: (r) => [button(t('console.action.open', { code: r.transactionCode }), () => openDeal(r.paymentCode))],
  },
  payouts: {
    filter: { name: 'currency', values: ['TWD', 'JPY', 'THB', 'USD'] },
    columns: [
      ['payoutId', (r) => r.payoutId],
      ['user', (r) => person(r.userName, r.userId)],
      ['amountMinor', (r) => formatMoney(r.amountMinor, r.currency), 'amountMinor', 'num'],
      ['accountMasked', (r) => r.accountMasked ?? ''],
      ['holdReasons', (r) => [].concat(r.holdReasons ?? []).join(', ')],
      ['approvalCount', (r) => [].concat(r.approvals ?? []).join(', ') || '0', 'approvalCount'],
      ['ageMs', (r) => formatDuration(r.ageMs), 'ageMs', 'num'],
    ],
    actions: (r) => [
      button(t('console.action.release'), () =>
        ask(t('console.action.title.release', { id: r.payoutId }), async (reason, send) => {
          const out = await send('POST', `/api/support/payouts/${encodeURIComponent(r.payoutId)}/release`, { note: reason }, staff);
          return t('console.action.done.release', { outcome: t(`console.outcome.${out.outcome}`) });
        }),
      ),
      button(
        t('console.action.reject'),
        () =>
          ask(t('console.action.title.reject', { id: r.payoutId }), async (reason, send) => {
            await send('POST', `/api/support/payouts/${encodeURIComponent(r.payoutId)}/reject`, { note: reason }, staff);
            return t('console.action.done.reject');
          }),
        'small secondary',
      ),
    ],
  },
  bindings: {
    filter: { name: 'virtualNumber', values: ['true', 'false'], labels: [t('console.yes'), t('console.no')] },
    columns: [
      ['user', (r) => person(r.userName, r.userId)],
      ['phones', (r) => String(r.phones), 'phones', 'num'],
      ['virtualNumber', (r) => (r.virtualNumber ? t('console.yes') : t('console.no'))],
      ['masks', (r) => r.masks ?? ''],
      ['lastBoundAt', (r) => when(r.lastBoundAt), 'lastBoundAt'],
    ],
    actions: (r) => [clearBindingsButton(r.userId, person(r.userName, r.userId))],
  },
  lockouts: {
    columns: [
      ['user', (r) => person(r.userName, r.userId)],
      ['lockouts', (r) => String(r.lockouts), 'lockouts', 'num'],
      ['lockedUntil', (r) => when(r.lockedUntil), 'lockedUntil'],
      ['updatedAt', (r) => when(r.updatedAt), 'updatedAt'],
    ],
    actions: (r) => [unlockButton(r.userId, person(r.userName, r.userId))],
  },
  parked: {
    filter: {
      name: 'parkReason',
      values: ['settlement_refused', 'amount_mismatch', 'charge_result_missing'],
      labels: ['settlement_refused', 'amount_mismatch', 'charge_result_missing'].map((v) => t(`support.parked.reason.${v}`)),
    },
    columns: [
      ['transactionCode', (r) => r.transactionCode],
      ['productName', (r) => r.productName],
      ['totalMinor', (r) => formatMoney(r.totalMinor, r.currency), 'totalMinor', 'num'],
      ['parkReason', (r) => t(`support.parked.reason.${r.parkReason}`), 'parkReason'],
      ['parkDetail', (r) => r.parkDetail ?? ''],
      ['ageMs', (r) => formatDuration(r.ageMs), 'ageMs', 'num'],
    ],
    actions: (r) => [button(t('console.action.open', { code: r.transactionCode }), () => openDeal(r.paymentCode))],
  },
  'line-events': {
    filter: { name: 'eventType', values: ['message', 'postback', 'follow', 'unfollow'] },
    columns: [
      ['id', (r) => r.eventId],
      ['eventType', (r) => r.eventType],
      ['user', (r) => person(r.userName, r.userId)],
      ['attempts', (r) => String(r.attempts), 'attempts', 'num'],
      ['failureKind', (r) => r.failureKind ?? ''],
      ['lastError', (r) => r.lastError ?? ''],
      ['gaveUpAt', (r) => when(r.gaveUpAt), 'gaveUpAt'],
    ],
    actions: (r) => [
      button(t('console.action.redrive'), () =>
        ask(t('console.action.title.redrive', { id: r.eventId }), async (reason, send) => {
          await send('POST', `/api/support/line-events/${encodeURIComponent(r.eventId)}/redrive`, { reason }, staff);
          return t('console.action.done.redrive');
        }),
      ),
    ],
  },
};

const view = { queue: 'disputes', q: '', filter: '', sort: undefined, dir: undefined, page: 1, pageSize: 10, pages: 1 };

function clearBindingsButton(userId, name) {
  return button(t('console.action.clear'), () =>
    ask(t('console.action.title.clear', { name }), async (reason, send) => {
      const out = await send('POST', `/api/support/users/${encodeURIComponent(userId)}/phone-bindings/clear`, { reason }, staff);
      return t('console.action.done.clear', { count: out.cleared });
    }),
  );
}

function unlockButton(userId, name) {
  return button(t('console.action.unlock'), () =>
    ask(t('console.action.title.unlock', { name }), async (reason, send) => {
      const out = await send('POST', `/api/support/users/${encodeURIComponent(userId)}/wallet/unlock`, { reason }, staff);
      return t('console.action.done.unlock', { state: out.state });
    }),
  );
}

function selectQueue(name) {
  Object.assign(view, { queue: name, q: '', filter: '', sort: undefined, dir: undefined, page: 1 });
  for (const tab of document.querySelectorAll('#queue-tabs [role="tab"]'))
    tab.setAttribute('aria-selected', String(tab.dataset.queue === name));
  $('#queue-q').value = '';
  const def = QUEUES[name];
  show('#queue-filter-field', !!def.filter);
  if (def.filter) {
    $('#queue-filter-label').textContent = t(`console.queue.filter.${def.filter.name}`);
    $('#queue-filter').replaceChildren(
      el('option', { value: '' }, t('console.queue.filter.any')),
      ...def.filter.values.map((v, i) => el('option', { value: v }, def.filter.labels?.[i] ?? v)),
    );
  }
  cancelAction();
  return loadQueue();
}

async function loadQueue() {
  const def = QUEUES[view.queue];
  const params = new URLSearchParams({ page: String(view.page), pageSize: String(view.pageSize) });
  if (view.q) params.set('q', view.q);
  if (view.sort) params.set('sort', view.sort);
  if (view.dir) params.set('dir', view.dir);
  if (def.filter && view.filter) params.set(def.filter.name, view.filter);
  const res = await staffCall('GET', `/api/support/console/queues/${view.queue}?${params}`);
  $('#queue-error').textContent = '';
  if (!res.ok) {
    if (res.status !== 401)
      $('#queue-error').textContent = res.status === 403 ? t('error.forbidden', { detail: res.problem.detail }) : res.problem.detail;
    $('#queue-table tbody').replaceChildren();
    return;
  }
  const page = res.body;
  view.sort = page.sort;
  view.dir = page.dir;
  view.pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  $('#queue-caption').textContent = t(`console.queue.${view.queue}`);
  const head = def.columns.map(([key, , sortKey, className]) => {
    const label = t(`console.col.${key}`);
    if (!sortKey) return el('th', { scope: 'col', className: className ?? '' }, label);
    const sorted = page.sort === sortKey;
    const th = el(
      'th',
      { scope: 'col', className: className ?? '', 'aria-sort': sorted ? (page.dir === 'asc' ? 'ascending' : 'descending') : 'none' },
      button(
        label,
        () => {
          view.dir = sorted && page.dir === 'desc' ? 'asc' : sorted ? 'desc' : 'asc';
          view.sort = sortKey;
          view.page = 1;
          loadQueue();
        },
        '',
      ),
    );
    return th;
  });
  $('#queue-table thead tr').replaceChildren(...head, el('th', { scope: 'col' }, t('console.queue.actions')));
  const rows = page.rows.map((r) =>
    el(
      'tr',
      {},
      def.columns.map(([, render, , className]) => el('td', { className: className ?? '' }, render(r))),
      el('td', {}, def.actions(r)),
    ),
  );
  $('#queue-table tbody').replaceChildren(...rows);
  show('#queue-empty', rows.length === 0);
  $('#queue-page').textContent = t('console.queue.page', { page: page.page, pages: view.pages, total: page.total });
  $('#queue-prev').disabled = page.page <= 1;
  $('#queue-next').disabled = page.page >= view.pages;
}

// ---- the reason form every row action goes through -------------------------------------

function ask(title, run) {
  pendingAction = { title, run };
  $('#action-title').textContent = title;
  const form = $('#action-form');
  form.reset();
  show(form, true);
  form.scrollIntoView?.({ block: 'center' });
  form.elements.namedItem('reason').focus();
}

function cancelAction() {
  pendingAction = undefined;
  show('#action-form', false);
}

// ---- search ------------------------------------------------------------------------------

async function search(q, send) {
  const result = await send('GET', `/api/support/console/search?${new URLSearchParams({ q })}`, undefined, staff);
  show('#search-results', true);
  $('#search-matched').textContent = result.matched.length
    ? t('console.search.matched', { kinds: result.matched.map((k) => t(`console.match.${k}`)).join(', ') })
    : '';
  const orders = [...result.orders, ...result.users.flatMap((u) => u.orders)].filter(
    (o, i, all) => all.findIndex((x) => x.paymentCode === o.paymentCode) === i,
  );
  $('#search-orders tbody').replaceChildren(
    ...orders.map((o) =>
      el(
        'tr',
        {},
        el(
          'td',
          {},
          button(t('console.action.open', { code: o.transactionCode }), () => openDeal(o.paymentCode), 'small link-button'),
        ),
        el('td', {}, o.productName),
        el('td', {}, o.state),
        el('td', { className: 'num' }, formatMoney(o.totalMinor, o.currency)),
        el('td', {}, o.buyerName ?? '—'),
        el('td', {}, o.sellerName ?? '—'),
        el('td', {}, when(o.updatedAt)),
      ),
    ),
  );
  $('#search-users tbody').replaceChildren(
    ...result.users.map((u) =>
      el(
        'tr',
        {},
        el('td', {}, `${u.displayName ?? '—'} (${u.userId})`),
        el('td', {}, u.walletState ?? '—'),
        el('td', {}, t(`console.match.${u.matchedBy}`)),
        el('td', {}, u.orders.map((o) => o.transactionCode).join(', ')),
      ),
    ),
  );
  show('#search-orders', orders.length > 0);
  show('#search-users', result.users.length > 0);
  show('#search-none', orders.length === 0 && result.users.length === 0);
  if (orders.length === 1) await openDeal(orders[0].paymentCode);
}

// ---- one deal's page ---------------------------------------------------------------------

/** Shows one deal; returns its state, or undefined when it could not be read. */
async function openDeal(code) {
  const res = await staffCall('GET', `/api/support/console/deals/${encodeURIComponent(code)}`);
  if (!res.ok) {
    if (res.status !== 401) setStatus(res.problem.detail);
    return undefined;
  }
  const page = res.body;
  const { order } = page;
  current = { code, total: order.totalMinor, currency: order.currency, state: order.state, parties: page.parties };
  $('#deal-heading').textContent = t('console.deal.heading', { code: order.transactionCode, product: order.productName });
  const set = (name, value) => {
    document.querySelector(`[data-detail="${name}"]`).textContent = value ?? '—';
  };
  set('state', order.state);
  set('total', `${formatMoney(order.totalMinor, order.currency)} (${order.totalMinor})`);
  set('transactionCode', order.transactionCode);
  set('paymentCode', order.paymentCode);
  set('reason', order.disputeReason ?? (order.parkReason ? t(`support.parked.reason.${order.parkReason}`) : undefined));
  set('deadline', page.view?.dispute?.deadlineMs ? formatDateTime(page.view.dispute.deadlineMs) : undefined);
  $('#temporal-link').href = page.temporalUrl;

  $('#parties tbody').replaceChildren(
    ...page.parties.map((p) =>
      el(
        'tr',
        { dataset: { role: p.role } },
        el('td', {}, roleWord(p.role)),
        el('td', {}, `${p.displayName ?? '—'} (${p.userId})`),
        el('td', {}, p.walletState ?? '—'),
        el('td', { className: 'num' }, String(p.activeBindings)),
        el(
          'td',
          {},
          button(t('console.action.message'), () => prefill('#message-form', 'to', p.role, 'text')),
          button(t('console.action.ask'), () => prefill('#ask-form', 'from', p.role, 'note'), 'small secondary'),
          p.activeBindings > 0 ? clearBindingsButton(p.userId, person(p.displayName, p.userId)) : null,
          p.walletState === 'locked' ? unlockButton(p.userId, person(p.displayName, p.userId)) : null,
        ),
      ),
    ),
  );

  renderEvidence(code, page.evidence);
  $('#timeline tbody').replaceChildren(
    ...page.timeline.map((a) =>
      el(
        'tr',
        {},
        el('td', {}, when(a.at)),
        el('td', {}, a.action.replace(/^order\./, '')),
        el('td', {}, a.actor),
        el('td', {}, detailsOf(a.details)),
      ),
    ),
  );
  $('#messages').replaceChildren(...page.messages.map((m) => bubble(m, page.parties)));
  $('#ledger tbody').replaceChildren(
    ...page.ledger.map((l) =>
      el(
        'tr',
        {},
        el('td', {}, when(l.at)),
        el('td', {}, l.id),
        el('td', {}, l.from),
        el('td', {}, l.to),
        el('td', { className: 'num' }, formatMoney(l.amountMinor, l.currency)),
        el('td', {}, l.state ?? l.kind),
      ),
    ),
  );
  $('#audit tbody').replaceChildren(
    ...page.audit.map((a) =>
      el('tr', {}, el('td', {}, when(a.at)), el('td', {}, a.actor), el('td', {}, a.action), el('td', {}, detailsOf(a.details))),
    ),
  );

  const resolve = $('#resolve-form');
  show(resolve, order.state === 'disputed');
  $('#amounts-hint').textContent = t('support.resolve.amounts_hint', { total: order.totalMinor });
  prefillAmounts();
  show('#parked-form', order.state === 'parked');
  show('#deadline-form', order.state === 'disputed' && !!page.view?.dispute?.deadlineMs && !page.view.dispute.escalated);
  show('#deal', true);
  $('#deal-heading').scrollIntoView?.({ block: 'start' });
  return order.state;
}

function prefill(formId, roleField, role, focusField) {
  const form = $(formId);
  form.elements.namedItem(roleField).value = role;
  form.elements.namedItem(focusField).focus();
}

function detailsOf(details) {
  if (!details || typeof details !== 'object') return '';
  const { note, reason, parkReason, money, messages, text, evidenceId, kind } = details;
  const parts = [];
  if (note) parts.push(`“${note}”`);
  if (reason) parts.push(`${t('console.col.reason')}: ${reason}`);
  if (text) parts.push(`“${text}”`);
  if (parkReason) parts.push(parkReason);
  if (money && typeof money === 'object' && 'sellerAmountMinor' in money)
    parts.push(`${money.sellerAmountMinor} / ${money.buyerAmountMinor}`);
  if (Array.isArray(messages) && messages.length) parts.push(messages.join(', '));
  if (evidenceId) parts.push(`#${evidenceId} ${kind ?? ''}`);
  return parts.join(' · ');
}

function renderEvidence(code, items) {
  const nodes = items.map((e) => {
    const caption = t(e.kind === 'image' ? 'console.deal.evidence.photo' : 'console.deal.evidence.text', {
      role: roleWord(e.role),
      at: when(e.createdAt),
    });
    if (e.kind === 'image') {
      const src = `/api/support/console/deals/${encodeURIComponent(code)}/evidence/${e.id}`;
      return el(
        'figure',
        { dataset: { role: e.role } },
        el('a', { href: src, target: '_blank', rel: 'noopener' }, el('img', { src, alt: caption, loading: 'lazy' })),
        el('figcaption', {}, caption),
      );
    }
    return el('figure', { dataset: { role: e.role } }, el('blockquote', {}, e.text ?? ''), el('figcaption', {}, caption));
  });
  $('#evidence').replaceChildren(...nodes);
  show('#evidence-none', nodes.length === 0);
}

/** One message as its recipient saw it: the card's lines, its buttons and quick replies. */
function bubble(m, parties) {
  const party = parties.find((p) => p.userId === m.to);
  const header = t('console.deal.messages.to', { role: roleWord(m.role), name: party?.displayName ?? m.to, at: when(m.sentAt) });
  if (!m.seen)
    return el(
      'article',
      { className: 'bubble', dataset: { role: m.role, kind: m.kind } },
      el('header', {}, header),
      el('p', {}, t('console.deal.messages.unreadable', { kind: m.kind })),
    );
  return messageBubble({ header, role: m.role, kind: m.kind, seen: m.seen });
}

/** Release and refund have only one right answer; a split is the agent's to type. */
function prefillAmounts() {
  const form = $('#resolve-form');
  const resolution = form.elements.namedItem('resolution').value;
  const seller = form.elements.namedItem('sellerAmountMinor');
  const buyer = form.elements.namedItem('buyerAmountMinor');
  if (!current || resolution === 'split') return;
  seller.value = String(resolution === 'release' ? current.total : 0);
  buyer.value = String(resolution === 'refund' ? current.total : 0);
}

/** Digits become numbers; anything else goes as typed so the API says what is wrong with it. */
function amount(text) {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

/** After an action the workflow moves on its own: follow the deal until it stops changing state. */
function follow(code, busyStates) {
  stopFollowing?.();
  stopFollowing = poll(async () => {
    const state = await openDeal(code);
    return busyStates.includes(state);
  }, 1000);
}

function bindForms() {
  $('#signout').addEventListener('click', () => signOut());
  $('#deal-close').addEventListener('click', () => show('#deal', false));
  for (const tab of document.querySelectorAll('#queue-tabs [role="tab"]'))
    tab.addEventListener('click', () => selectQueue(tab.dataset.queue));
  let typing;
  $('#queue-q').addEventListener('input', (event) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      view.q = event.target.value.trim();
      view.page = 1;
      loadQueue();
    }, 250);
  });
  $('#queue-filter').addEventListener('change', (event) => {
    view.filter = event.target.value;
    view.page = 1;
    loadQueue();
  });
  $('#queue-page-size').addEventListener('change', (event) => {
    view.pageSize = Number(event.target.value);
    view.page = 1;
    loadQueue();
  });
  $('#queue-prev').addEventListener('click', () => {
    view.page = Math.max(1, view.page - 1);
    loadQueue();
  });
  $('#queue-next').addEventListener('click', () => {
    view.page = Math.min(view.pages, view.page + 1);
    loadQueue();
  });

  bindForm($('#search-form'), async (values, send) => {
    if (!values.q.trim()) return fieldError($('#search-form'), 'q', t('error.required'));
    await search(values.q.trim(), send);
  });

  bindForm($('#action-form'), async (values, send) => {
    if (values.cancel === 'cancel') return cancelAction();
    if (!pendingAction) return;
    if (!values.reason.trim()) return fieldError($('#action-form'), 'reason', t('error.required'));
    const done = await pendingAction.run(values.reason.trim(), send);
    setStatus(done);
    cancelAction();
    await loadQueue();
    if (current && !$('#deal').hidden) await openDeal(current.code);
  });

  const resolve = $('#resolve-form');
  for (const radio of resolve.querySelectorAll('input[name="resolution"]')) radio.addEventListener('change', prefillAmounts);
  bindForm(resolve, async (values, send) => {
    const code = current.code;
    await send(
      'POST',
      `/api/support/orders/${encodeURIComponent(code)}/resolution`,
      {
        resolution: values.resolution,
        sellerAmountMinor: amount(values.sellerAmountMinor),
        buyerAmountMinor: amount(values.buyerAmountMinor),
        ...(values.note.trim() ? { note: values.note.trim() } : {}),
      },
      staff,
    );
    setStatus(t('support.resolve.done'));
    show(resolve, false);
    follow(code, ['settling', 'disputed']);
    await loadQueue();
  });

  bindForm($('#parked-form'), async (values, send) => {
    const code = current.code;
    if (!values.note.trim()) return fieldError($('#parked-form'), 'note', t('error.required'));
    await send(
      'POST',
      `/api/support/orders/${encodeURIComponent(code)}/parked-resolution`,
      { action: values.action || 'retry', note: values.note.trim() },
      staff,
    );
    setStatus(t('support.parked.done'));
    $('#parked-form').reset();
    show('#parked-form', false);
    follow(code, ['parked', 'settling']);
    await loadQueue();
  });

  bindForm($('#deadline-form'), async (values, send) => {
    if (!values.reason.trim()) return fieldError($('#deadline-form'), 'reason', t('error.required'));
    const out = await send(
      'POST',
      `/api/support/console/deals/${encodeURIComponent(current.code)}/deadline`,
      { extendByHours: Number(values.extendByHours), reason: values.reason.trim() },
      staff,
    );
    setStatus(t('console.deadline.done', { at: formatDateTime(Date.parse(out.deadline)) }));
    $('#deadline-form').reset();
    await openDeal(current.code);
    await loadQueue();
  });

  bindForm($('#message-form'), async (values, send) => {
    if (!values.text.trim()) return fieldError($('#message-form'), 'text', t('error.required'));
    if (!values.reason.trim()) return fieldError($('#message-form'), 'reason', t('error.required'));
    await send(
      'POST',
      `/api/support/console/deals/${encodeURIComponent(current.code)}/messages`,
      { to: values.to, text: values.text.trim(), reason: values.reason.trim() },
      staff,
    );
    setStatus(t('console.message.done', { role: roleWord(values.to) }));
    $('#message-form').reset();
    await openDeal(current.code);
  });

  bindForm($('#ask-form'), async (values, send) => {
    if (!values.reason.trim()) return fieldError($('#ask-form'), 'reason', t('error.required'));
    await send(
      'POST',
      `/api/support/console/deals/${encodeURIComponent(current.code)}/evidence-requests`,
      { from: values.from, ...(values.note.trim() ? { note: values.note.trim() } : {}), reason: values.reason.trim() },
      staff,
    );
    setStatus(t('console.ask.done', { role: roleWord(values.from) }));
    $('#ask-form').reset();
    await openDeal(current.code);
  });

  bindForm($('#watchlist-add-form'), async (values, send) => {
    const result = await send(
      'POST',
      '/api/support/watchlist',
      {
        keyType: values.keyType,
        value: values.value,
        reason: values.reason,
        // A date means "until the end of that day here"; the API takes an instant with its offset.
        ...(values.expiresAt ? { expiresAt: new Date(`${values.expiresAt}T23:59:59`).toISOString() } : {}),
      },
      staff,
    );
    setStatus(t('support.watchlist.added', { id: result.id }));
  });

  bindForm($('#watchlist-remove-form'), async (values, send) => {
    await send('DELETE', `/api/support/watchlist/${encodeURIComponent(values.id.trim())}`, { reason: values.reason }, staff);
    setStatus(t('support.watchlist.removed'));
  });
}

/** Sections for APIs built elsewhere appear once every route they use exists. */
async function revealOptionalSections() {
  for (const section of document.querySelectorAll('[data-optional-route]')) {
    const routes = section.dataset.optionalRoute.split(',').map((r) => r.split(' '));
    const present = await Promise.all(routes.map(([method, path]) => routeExists(method, path)));
    section.hidden = !present.every(Boolean);
  }
}

async function enterConsole() {
  show('#signin', false);
  show('#console', true);
  show('#action-form', false);
  await Promise.all([selectQueue('disputes'), revealOptionalSections(), showOperationsBanner()]);
}

/** A reconciliation difference or a broken audit chain stays in view until the scheduled checks find it whole. */
async function showOperationsBanner() {
  const res = await staffCall('GET', '/api/support/operations-status');
  const banner = $('#ops-banner');
  if (!res.ok || !res.body.attention) return show(banner, false);
  const parts = [];
  const open = res.body.reconciliation?.openDifferences ?? [];
  if (open.length > 0) parts.push(t('support.ops.differences', { count: open.length, first: open[0].description }));
  if (res.body.auditChain && !res.body.auditChain.ok)
    parts.push(t('support.ops.audit_broken', { reason: res.body.auditChain.reason ?? '' }));
  banner.textContent = parts.join(' ');
  show(banner, true);
}

start(async () => {
  bindForms();
  const error = new URLSearchParams(location.search).get('signin_error');
  const session = await currentSession();
  if (!session) {
    showSignIn();
    if (error) {
      const message = $('#signin-error');
      message.textContent = t(`support.signin.error.${error}`);
      show(message, true);
    }
    return;
  }
  setStaffCsrfToken(session.csrfToken);
  hideNotice();
  $('#whoami').textContent = t('support.signed_in_as', { name: session.name ?? session.staffId, roles: session.roles.join(', ') });
  await enterConsole();
});
