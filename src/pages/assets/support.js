// The support console. Staff sign in with their company account (OpenID Connect, through our
// /auth/staff routes); the session is an HttpOnly cookie this script never sees, and the API
// decides what each role may do, so a viewer sees a 403 where an agent would act.
import {
  $,
  api,
  bindForm,
  config,
  fieldError,
  formatDateTime,
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

const staff = { auth: 'staff' };
let current; // the order on screen: { code, total, currency }

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
  for (const id of ['#queue', '#detail', '#bindings', '#watchlist', '#parked', '#payouts', '#unlock']) show(id, false);
  // Back here after signing in, in the same language.
  $('#signin-link').href = `/auth/staff/login?next=${encodeURIComponent(location.pathname + languageQuery())}`;
  show('#signin', true);
}

function languageQuery() {
  const lang = new URLSearchParams(location.search).get('lang');
  return lang ? `?lang=${encodeURIComponent(lang)}` : '';
}

/** Who is signed in, from the session cookie; undefined when nobody is. */
async function currentSession() {
  const res = await api('GET', '/auth/staff/session', { auth: 'none' });
  return res.ok ? res.body : undefined;
}

async function signOut() {
  await api('POST', '/auth/staff/logout', staff);
  showSignIn();
}

async function enterConsole() {
  show('#signin', false);
  for (const id of ['#queue', '#bindings']) show(id, true);
  await Promise.all([loadQueue(), revealOptionalSections()]);
}

/** Sections for APIs built elsewhere appear once every route they use exists. */
async function revealOptionalSections() {
  for (const section of document.querySelectorAll('[data-optional-route]')) {
    const routes = section.dataset.optionalRoute.split(',').map((r) => r.split(' '));
    const present = await Promise.all(routes.map(([method, path]) => routeExists(method, path)));
    section.hidden = !present.every(Boolean);
  }
  if (!$('#payouts').hidden) await loadPayouts();
  if (!$('#parked').hidden) await loadParked();
}

/** Deals waiting for a person (a money step refused, an amount that does not add up, a result that never came). */
async function loadParked() {
  const res = await staffCall('GET', '/api/support/parked');
  if (!res.ok) return;
  const items = res.body.parked.map((p) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.textContent = t('support.parked.pick', { code: p.payment_code, reason: t(`support.parked.reason.${p.park_reason}`) });
    button.addEventListener('click', () => {
      const input = $('#parked-form').elements.namedItem('code');
      input.value = p.payment_code;
      input.focus();
    });
    const facts = document.createElement('p');
    facts.className = 'hint';
    facts.textContent = `${p.product_name} · ${formatMoney(p.total_minor, p.currency)} · ${p.park_detail ?? ''}`;
    li.append(button, facts);
    return li;
  });
  $('#parked-list').replaceChildren(...items);
  show('#parked-empty', items.length === 0);
}

/** Payouts held for review (limits, watch-list hits); picking one fills the decision form. */
async function loadPayouts() {
  const res = await staffCall('GET', '/api/support/payouts?state=held');
  if (!res.ok) return;
  const items = res.body.payouts.map((p) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.textContent = t('support.payouts.pick', { id: p.payout_id });
    button.addEventListener('click', () => {
      const input = $('#payout-form').elements.namedItem('payoutId');
      input.value = p.payout_id;
      input.focus();
    });
    const facts = document.createElement('p');
    facts.className = 'hint';
    facts.textContent = `${p.user_id} · ${formatMoney(p.amount_minor, p.currency)} · ${p.account_masked ?? ''} · ${[].concat(p.hold_reasons ?? []).join(', ')}`;
    li.append(button, facts);
    return li;
  });
  $('#payouts-list').replaceChildren(...items);
  show('#payouts-empty', items.length === 0);
}

async function loadQueue() {
  const res = await staffCall('GET', '/api/support/disputes');
  if (!res.ok) return;
  const list = $('#queue-list');
  list.replaceChildren(...res.body.disputes.map(queueItem));
  show('#queue-empty', res.body.disputes.length === 0);
}

function queueItem(d) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  button.textContent = t('support.queue.open', { product: d.product_name });
  button.addEventListener('click', () => openOrder(d.payment_code));
  const facts = document.createElement('p');
  facts.className = 'hint';
  facts.textContent = `${d.payment_code} · ${formatMoney(Number(d.total_minor), d.currency)} · ${formatDateTime(Date.parse(d.updated_at))}`;
  const reason = document.createElement('p');
  reason.textContent = `${t('support.queue.reason')}: ${d.dispute_reason ?? ''}`;
  li.append(button, facts, reason);
  return li;
}

/** Shows one order; returns its state, or undefined when it could not be read. */
async function openOrder(code) {
  const res = await staffCall('GET', `/api/support/orders/${encodeURIComponent(code)}`);
  if (!res.ok) {
    if (res.status !== 401) fieldError($('#lookup-form'), 'code', res.problem.detail);
    return undefined;
  }
  const { order, messages } = res.body;
  const { product } = order;
  current = { code, total: product.totalMinor, currency: product.currency };
  const set = (name, value) => {
    document.querySelector(`[data-detail="${name}"]`).textContent = value ?? '—';
  };
  $('#detail-heading').textContent = t('support.detail.heading', { code });
  set('state', order.state);
  set('productName', product.productName);
  set('total', `${formatMoney(product.totalMinor, product.currency)} (${product.totalMinor})`);
  set('transactionCode', product.transactionCode);
  set('buyerId', order.buyerId);
  set('sellerId', order.sellerId);
  set('reason', order.dispute?.reason);
  $('#temporal-link').href = `${config.temporalWorkflowUrl}order:${encodeURIComponent(code)}`; // the id of orderWorkflowId()

  const rows = messages.map((m) => {
    const tr = document.createElement('tr');
    for (const text of [formatDateTime(Date.parse(m.sent_at)), m.to_user_id, m.kind]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  $('#messages tbody').replaceChildren(...rows);
  show('#messages', rows.length > 0);
  show('#messages-empty', rows.length === 0);

  const resolve = $('#resolve-form');
  show(resolve, order.state === 'disputed');
  $('#amounts-hint').textContent = t('support.resolve.amounts_hint', { total: product.totalMinor });
  prefillAmounts();
  if (order.buyerId) $('#bindings-form').elements.namedItem('userId').value = order.buyerId;
  show('#detail', true);
  $('#detail-heading').scrollIntoView?.({ block: 'start' });
  return order.state;
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

function bindForms() {
  $('#queue-refresh').addEventListener('click', () => loadQueue());
  $('#signout').addEventListener('click', () => signOut());

  bindForm($('#lookup-form'), async (values) => {
    if (!values.code.trim()) return fieldError($('#lookup-form'), 'code', t('error.required'));
    await openOrder(values.code.trim());
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
    // The workflow moves the money after answering; follow it until it has settled.
    poll(async () => {
      const state = await openOrder(code);
      return state === 'settling' || state === 'disputed';
    }, 1000);
    await loadQueue();
  });

  bindForm($('#bindings-form'), async (values, send) => {
    const userId = values.userId.trim();
    // An empty id would make a different URL, so this one check cannot be left to the API.
    if (!userId) return fieldError($('#bindings-form'), 'userId', t('error.required'));
    const result = await send('POST', `/api/support/users/${encodeURIComponent(userId)}/phone-bindings/clear`, {}, staff);
    setStatus(t('support.bindings.done', { count: result.cleared }));
  });

  bindForm($('#unlock-form'), async (values, send) => {
    const userId = values.userId.trim();
    if (!userId) return fieldError($('#unlock-form'), 'userId', t('error.required'));
    const result = await send('POST', `/api/support/users/${encodeURIComponent(userId)}/wallet/unlock`, {}, staff);
    setStatus(t('support.unlock.done', { state: result.state }));
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

  bindForm($('#parked-form'), async (values, send) => {
    const code = values.code.trim();
    if (!code) return fieldError($('#parked-form'), 'code', t('error.required'));
    if (!values.note.trim()) return fieldError($('#parked-form'), 'note', t('error.required'));
    await send(
      'POST',
      `/api/support/orders/${encodeURIComponent(code)}/parked-resolution`,
      { action: values.action || 'retry', note: values.note.trim() },
      staff,
    );
    setStatus(t('support.parked.done'));
    $('#parked-form').reset();
    await loadParked();
  });

  bindForm($('#payout-form'), async (values, send) => {
    const decision = values.decision === 'reject' ? 'reject' : 'release';
    const id = values.payoutId.trim();
    if (!id) return fieldError($('#payout-form'), 'payoutId', t('error.required'));
    await send(
      'POST',
      `/api/support/payouts/${encodeURIComponent(id)}/${decision}`,
      values.note.trim() ? { note: values.note.trim() } : {},
      staff,
    );
    setStatus(t(decision === 'reject' ? 'support.payouts.rejected' : 'support.payouts.released'));
    await loadPayouts();
  });
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
