// E-wallet activation (S302–S309 for sellers, S501–S504 for buyers): ask for a code in the
// chat, answer it here. The activation workflow counts attempts, locks and invalidates.
import {
  $,
  api,
  bindForm,
  fieldError,
  formatDateTime,
  goToLogin,
  idToken,
  pageHref,
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
  show('#request-form', state === 'inactive' || state === 'abandoned');
  show('#code-form', state === 'awaiting_verification');
  if (state === 'active') showNotice(t('wallet.activated'), backLink());
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
    if (result.outcome === 'activated') return settle('active');
    settle(result.outcome, result); // locked | invalidated
  });
  await load();
});
