// Back from the provider's hosted checkout. What the browser was redirected with proves
// nothing; the order (moved only by the provider's signed webhook) says whether the money came.
import { $, api, config, goToLogin, idToken, pageHref, poll, show, showOrderProblem, start, t } from './client.js';

const code = config.code;
// The session the provider sends back: once the order has opened another one, this one was spent without paying.
const returnedSession = new URLSearchParams(location.search).get('session_id');
const WAITING_STATES = ['awaiting_buyer', 'awaiting_payment', 'awaiting_otp', 'payment_pending'];
const PAID_STATES = ['escrow', 'disputed', 'settling', 'completed', 'refunded'];
const POLL_INTERVAL_MS = 1500;
// About a minute: longer and the buyer is better told to wait for the chat.
const POLLS_BEFORE_SLOW = 40;

let polls = 0;

function outcome(key) {
  show('#confirming', false);
  $('#return-outcome').textContent = t(key);
  show('#return-outcome', true);
}

async function check() {
  polls += 1;
  const res = await api('GET', `/api/orders/${code}`);
  if (!res.ok) {
    show('#confirming', false);
    showOrderProblem(res);
    return false;
  }
  const { state, checkout } = res.body;
  if (PAID_STATES.includes(state)) {
    outcome('pay.return.confirmed');
    $('#to-payment').textContent = t('pay.return.to_deal');
    return false;
  }
  if (state === 'parked' || state === 'expired' || state === 'cancelled') {
    outcome(state === 'parked' ? 'pay.return.parked' : `pay.outcome.${state}`);
    return false;
  }
  if (state === 'awaiting_payment' && returnedSession && checkout && checkout.sessionId !== returnedSession) {
    outcome('pay.return.not_paid');
    return false;
  }
  if (WAITING_STATES.includes(state) && polls >= POLLS_BEFORE_SLOW) {
    outcome(state === 'payment_pending' ? 'pay.return.slow' : 'pay.return.not_paid');
    return false;
  }
  return true;
}

start(async () => {
  if (!idToken()) goToLogin();
  $('#to-payment').href = pageHref(`/pages/pay/${encodeURIComponent(code)}`);
  poll(check, POLL_INTERVAL_MS);
});
