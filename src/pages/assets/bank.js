// Quick receive (S601–S607, S701–S707): verify a bank account with the verification center and
// get a receiving identity code. The center answers asynchronously, so a pending answer is
// followed by polling GET /api/quick-receive until it says code or failed.
import {
  $,
  api,
  bindForm,
  disableForm,
  goToLogin,
  idToken,
  pageHref,
  poll,
  routeExists,
  setStatus,
  show,
  showNotice,
  start,
  t,
} from './client.js';

// Where to go once the account is verified (the wallet's withdraw sends people here); our pages only.
const nextParam = new URLSearchParams(location.search).get('next');
const next = nextParam && /^\/pages\/[\w/-]*$/.test(nextParam) ? nextParam : undefined;

const KNOWN_REASONS = ['code_mismatch', 'account_not_found', 'account_frozen', 'holder_name_mismatch'];

/** Shows an answer of the quick-receive API; true while it is still pending (keep polling). */
function showResult(body) {
  switch (body?.status) {
    case 'code':
      setStatus('');
      $('#receiving-code').textContent = body.receivingCode;
      $('#receiving-account').textContent = t('bank.account', { account: body.accountMasked });
      show('#bank-result', true);
      if (next) showNotice(t('bank.success'), { href: pageHref(next), label: t('bank.back_to_wallet') });
      return false;
    case 'failed': {
      setStatus('');
      const reason = KNOWN_REASONS.includes(body.reasonCode) ? t(`bank.reason.${body.reasonCode}`) : (body.reason ?? body.reasonCode ?? '');
      showNotice(t('bank.failed', { reason }));
      return false;
    }
    case 'pending':
      setStatus(t('bank.pending'));
      return true;
    case 'account_required':
      setStatus(t('bank.account_required'));
      return false;
    default:
      return false;
  }
}

function followUp() {
  poll(async () => {
    const res = await api('GET', '/api/quick-receive');
    return res.ok && showResult(res.body);
  }, 1500);
}

start(async () => {
  if (!idToken()) goToLogin();
  const role = new URLSearchParams(location.search).get('role');
  if (role === 'buyer' || role === 'seller') $('#bank-form').elements.namedItem('role').value = role;
  bindForm($('#bank-form'), async (values, send) => {
    show('#bank-result', false);
    if (showResult(await send('POST', '/api/quick-receive', values))) followUp();
  });
  if (!(await routeExists('POST', '/api/quick-receive'))) return disableForm($('#bank-form'), t('unavailable'));
  const existing = await api('GET', '/api/quick-receive');
  if (existing.ok && showResult(existing.body)) followUp();
});
