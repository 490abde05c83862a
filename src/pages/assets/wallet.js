// E-wallet activation (S302–S309 for sellers, S501–S504 for buyers): ask for a code in the
// chat, answer it here. The activation workflow counts attempts, locks and invalidates.
import {
  $,
  api,
  bindForm,
  fieldError,
  formatDateTime,
  formatMoney,
  goToLogin,
  idToken,
  pageHref,
  poll,
  setStatus,
  show,
  showNotice,
  start,
  t,
} from './client.js';

const params = new URLSearchParams(location.search);
const role = params.get('role') === 'buyer' ? 'buyer' : 'seller';
const order = params.get('order');

function backLink() {
  return order ? { href: pageHref(`/pages/pay/${encodeURIComponent(order)}`), label: t('back.to_payment') } : undefined;
}

function describe(state, attemptsLeft) {
  $('#wallet-state').textContent = t('wallet.state', { state: t(`wallet.state.${state}`, { attemptsLeft }) });
}

/** Shows what can be done from here: request a code, answer one, or nothing. */
function settle(state, extra = {}) {
  describe(state, extra.attemptsLeft);
  show('#wallet-intro', state !== 'active');
  show('#request-form', state === 'inactive' || state === 'abandoned');
  show('#code-form', state === 'awaiting_verification');
  if (state === 'active' && order) showNotice(t('wallet.activated'), backLink());
  if (state === 'active') loadMoney();
  if (state === 'locked') showNotice(t('wallet.locked', { until: formatDateTime(extra.lockedUntilMs ?? Date.parse(extra.locked_until)) }));
  if (state === 'invalidated') showNotice(t('wallet.invalidated'));
}

async function load() {
  const wallet = await api('GET', '/api/wallet');
  const state = wallet.body?.state ?? 'inactive';
  if (state === 'active' || state === 'invalidated') return settle(state);
  // A running activation knows more (attempts left, lockout end) than the wallet row.
  const activation = await api('GET', '/api/wallet/activation');
  if (activation.ok && activation.body.state !== 'active' && activation.body.state !== 'invalidated')
    return settle(activation.body.state, activation.body);
  settle(state, wallet.body);
}

start(async () => {
  if (!idToken()) goToLogin();
  bindWithdraw();
  bindForm($('#request-form'), async (_values, send) => {
    await send('POST', `/api/wallet/activation?role=${role}`);
    setStatus(t('wallet.request.sent'));
    show('#request-form', false);
    show('#code-form', true);
    $('#code-form').elements.namedItem('code').focus();
  });
  bindForm($('#code-form'), async (values, send) => {
    const result = await send('POST', '/api/wallet/verification', { code: values.code });
    if (result.outcome === 'wrong_code') {
      describe('awaiting_verification', result.attemptsLeft);
      return fieldError($('#code-form'), 'code', t('wallet.wrong_code', { attemptsLeft: result.attemptsLeft }));
    }
    if (result.outcome === 'activated') {
      settle('active');
      return showNotice(t('wallet.activated'), backLink());
    }
    settle(result.outcome, result); // locked | invalidated
  });
  await load();
});

// ---- the money: balance per currency, withdraw, movements ---------------------------------

const MINOR_DIGITS = { TWD: 0, JPY: 0, THB: 2, USD: 2 };
const FINAL_PAYOUT_STATES = ['paid', 'failed', 'refused', 'rejected', 'held'];
let balances = [];

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function loadMoney() {
  const res = await api('GET', '/api/wallet/statement');
  if (!res.ok) return;
  balances = res.body.balances;
  const rows = balances.map((b) => {
    const tr = document.createElement('tr');
    tr.dataset.currency = b.currency;
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = b.currency;
    tr.append(
      th,
      cell(formatMoney(b.availableMinor, b.currency)),
      cell(formatMoney(b.heldMinor, b.currency)),
      cell(formatMoney(b.withdrawingMinor, b.currency)),
    );
    return tr;
  });
  $('#balance-rows').replaceChildren(...rows);
  show('#balances', true);

  const select = $('#withdraw-form').elements.namedItem('currency');
  const current = select.value;
  select.replaceChildren(
    ...balances.map((b) => {
      const option = document.createElement('option');
      option.value = b.currency;
      option.textContent = b.currency;
      return option;
    }),
  );
  const withdrawable = balances.find((b) => b.availableMinor > 0);
  select.value = balances.some((b) => b.currency === current) ? current : ((withdrawable ?? balances[0])?.currency ?? 'TWD');
  showAvailable();
  show('#withdraw-form', balances.length > 0);

  const list = res.body.movements.map(movementItem);
  $('#movement-list').replaceChildren(...list);
  show('#movements-empty', list.length === 0);
  show('#movements', true);
}

function showAvailable() {
  const currency = $('#withdraw-form').elements.namedItem('currency').value;
  const b = balances.find((x) => x.currency === currency);
  const available = b ? b.availableMinor : 0;
  $('#withdraw-amount-hint').textContent = t('wallet.withdraw.hint', { available: formatMoney(available, currency) });
  const amount = $('#withdraw-form').elements.namedItem('amount');
  if (!amount.value && available > 0) amount.value = String(available / 10 ** (MINOR_DIGITS[currency] ?? 2));
}

function movementItem(m) {
  const li = document.createElement('li');
  li.dataset.kind = m.kind;
  const what = document.createElement('p');
  const vars = { code: m.transactionCode ?? '', product: m.productName ?? '' };
  const key = m.kind === 'payout' && m.status === 'pending' ? 'wallet.movement.payout_pending' : `wallet.movement.${m.kind}`;
  what.textContent = t(key, vars);
  const amount = document.createElement('p');
  amount.className = 'amount';
  amount.textContent = `${m.amountMinor > 0 ? '+' : '−'}${formatMoney(Math.abs(m.amountMinor), m.currency)} · ${formatDateTime(Date.parse(m.at))}`;
  li.append(what, amount);
  if (m.feeMinor) {
    const fee = document.createElement('p');
    fee.className = 'hint';
    fee.textContent = t('wallet.movement.fee_of_deal', { fee: formatMoney(m.feeMinor, m.currency) });
    li.append(fee);
  }
  if (m.paymentCode) {
    const a = document.createElement('a');
    a.href = pageHref(`/pages/pay/${encodeURIComponent(m.paymentCode)}`);
    a.textContent = t('wallet.movement.open_deal');
    li.append(a);
  }
  return li;
}

/** Major units typed ("1,200" or "12.5") to minor units; undefined when it is not an amount. */
function toMinor(text, currency) {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const clean = String(text).replace(/[,\s]/g, '');
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(?:\\.\\d{1,${digits}})?$`);
  if (!pattern.test(clean)) return undefined;
  const [whole, fraction = ''] = clean.split('.');
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
  return Number.isSafeInteger(minor) && minor > 0 ? minor : undefined;
}

function describePayout(p) {
  const vars = {
    amount: formatMoney(p.amountMinor, p.currency),
    account: p.accountMasked ?? '',
    reason: p.failureReason ?? '',
  };
  const key = `wallet.payout.${p.state}`;
  $('#payout-status').textContent = t(key, vars);
  $('#payout-status').dataset.state = p.state;
}

function follow(payoutId) {
  poll(async () => {
    const res = await api('GET', `/api/payouts/${encodeURIComponent(payoutId)}`);
    if (!res.ok) return false;
    describePayout(res.body);
    if (FINAL_PAYOUT_STATES.includes(res.body.state)) {
      await loadMoney();
      return false;
    }
    return true;
  }, 1000);
}

function bindWithdraw() {
  const formEl = $('#withdraw-form');
  formEl.elements.namedItem('currency').addEventListener('change', () => {
    formEl.elements.namedItem('amount').value = '';
    showAvailable();
  });
  // The payout's id comes from the Idempotency-Key: one key per withdrawal, kept until it is answered.
  bindForm(formEl, async (values) => {
    const amountMinor = toMinor(values.amount, values.currency);
    if (amountMinor === undefined)
      return fieldError(formEl, 'amount', t('wallet.withdraw.invalid_amount', { digits: MINOR_DIGITS[values.currency] ?? 2 }));
    const res = await api('POST', '/api/payouts', {
      body: { amountMinor, currency: values.currency },
      idempotencyKey: formEl.dataset.key ?? (formEl.dataset.key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now())),
    });
    if (String(res.problem?.type ?? '').endsWith('/bank-account-required')) {
      delete formEl.dataset.key;
      return showNotice(t('wallet.withdraw.bank_required'), {
        href: pageHref('/pages/bank?role=seller&next=' + encodeURIComponent('/pages/wallet')),
        label: t('wallet.withdraw.register_bank'),
      });
    }
    if (!res.ok) {
      delete formEl.dataset.key;
      return fieldError(formEl, 'amount', res.problem?.detail ?? `HTTP ${res.status}`);
    }
    delete formEl.dataset.key;
    formEl.elements.namedItem('amount').value = '';
    describePayout(res.body);
    await loadMoney();
    follow(res.body.payoutId);
  });
}
