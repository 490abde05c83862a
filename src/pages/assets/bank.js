// Quick receive (S601–S607, S701–S707): verify a bank account with the verification center and
// get a receiving identity code. The center answers asynchronously, so a pending answer is
// followed by polling GET /api/quick-receive until it says verified or failed.
import { $, api, bindForm, disableForm, goToLogin, idToken, poll, routeExists, setStatus, show, showNotice, start, t } from './client.js';

const KNOWN_REASONS = ['code_mismatch', 'account_not_found', 'account_frozen', 'holder_name_mismatch'];

/** True while the answer is still pending (keep polling). */
function showResult(body) {
  if (!body || typeof body !== 'object') return false;
  if (body.receivingCode) {
    setStatus('');
    $('#receiving-code').textContent = body.receivingCode;
    $('#receiving-account').textContent = body.accountMasked ? t('bank.account', { account: body.accountMasked }) : '';
    show('#bank-result', true);
    return false;
  }
  const status = body.status ?? body.outcome;
  if (status === 'failed') {
    setStatus('');
    const reason = KNOWN_REASONS.includes(body.reason) ? t(`bank.reason.${body.reason}`) : body.reason ?? '';
    showNotice(t('bank.failed', { reason }));
    return false;
  }
  if (status === 'pending') {
    setStatus(t('bank.pending'));
    return true;
  }
  return false;
}

function followUp() {
  poll(async () => {
    const res = await api('GET', '/api/quick-receive');
    if (!res.ok) return false; // no read endpoint: the result arrives in the chat
    return showResult(res.body);
  }, 1500);
}

start(async () => {
  if (!idToken()) goToLogin();
  bindForm($('#bank-form'), async (values, send) => {
    show('#bank-result', false);
    const body = await send('POST', '/api/quick-receive', values);
    if (showResult(body)) followUp();
  });
  const existing = await api('GET', '/api/quick-receive');
  if (existing.ok && showResult(existing.body)) followUp();
  if (!(await routeExists('POST', '/api/quick-receive'))) disableForm($('#bank-form'), t('unavailable'));
});
