// The buyer's payment page. The order workflow is the source of truth: the page shows the step
// GET /api/orders/:code says the order is at, so a reload or a second device resumes there.
import {
  $,
  api,
  bindForm,
  config,
  fieldError,
  formatDateTime,
  formatDuration,
  formatMoney,
  goToLogin,
  hideNotice,
  idToken,
  newIdempotencyKey,
  pageHref,
  poll,
  setStatus,
  show,
  showNotice,
  start,
  t,
  showOrderProblem,
} from './client.js';
import { waitForFriendship } from './bind.js';
import { hideTranscript, refreshTranscript } from './transcript.js';

const code = config.code;
const STEPS = ['password-step', 'payment-step', 'otp-step', 'checkout-step', 'pending-step', 'progress'];
// The dynamic password this tab already proved, kept for this tab only: after the wallet
// activation or the phone binding the buyer comes back here and the request resumes by itself.
const PROVEN_KEY = `dynamicPassword:${code}`;
const PROGRESS_STATES = ['escrow', 'disputed', 'settling', 'completed', 'refunded'];
const FINAL_STATES = ['completed', 'refunded', 'expired', 'cancelled'];

let view;
let lastState;
// Set once this buyer's password was accepted: the simple variant attributes no buyer, so the
// order view alone cannot tell that this person may go on to pay.
let unlocked = false;
let countdown;

function showStep(id) {
  for (const step of STEPS) show(`#${step}`, step === id);
}

function fillSummary(product) {
  const set = (name, value) => {
    document.querySelector(`[data-fact="${name}"]`).textContent = value;
  };
  set('productName', product.productName);
  set('unitPrice', formatMoney(product.unitPriceMinor, product.currency));
  set('quantity', String(product.quantity));
  set('total', formatMoney(product.totalMinor, product.currency));
  set('transactionCode', product.transactionCode);
  const img = $('#product-image');
  // The watermarked picture (S107): the transaction code is printed on it, so a screenshot
  // cannot be reused for another deal.
  const src = `${config.apiBase}/media/watermark/${encodeURIComponent(product.transactionCode)}.png?name=${encodeURIComponent(product.productName)}`;
  if (img.getAttribute('src') !== src) img.src = src;
  img.alt = t('product.image_alt', { name: product.productName });
  const due = view?.chargeTotalMinor ?? product.totalMinor;
  $('#payment-total').textContent = t('pay.info.total', { total: formatMoney(due, product.currency) });
  // The platform fee, before paying: who pays it and how much.
  const fee = view?.fee;
  show('#payment-fee', Boolean(fee && fee.feeMinor > 0));
  if (fee && fee.feeMinor > 0)
    $('#payment-fee').textContent = t(`pay.info.fee.${fee.payer}`, { fee: formatMoney(fee.feeMinor, product.currency) });
}

/** The ATM account the provider issued for this order (the buyer's view only), and where the card is paid. */
function fillCheckout(checkout, currency) {
  const account = checkout?.virtualAccount;
  show('#atm-account', account !== undefined);
  if (account) {
    $('#atm-bank-code').textContent = account.bankCode;
    $('#atm-account-number').textContent = account.accountNumber;
    $('#atm-amount').textContent = formatMoney(account.amountMinor, currency);
    $('#atm-expires').textContent = formatDateTime(account.expiresAtMs);
  }
  if (checkout?.url) $('#checkout-link').href = checkout.url;
}

/** To the provider's hosted checkout; it sends the browser back to /pages/pay/:code/return. */
function goToCheckout(url) {
  setStatus(t('pay.checkout.redirecting'));
  window.location.assign(url);
}

async function load() {
  const res = await api('GET', `/api/orders/${code}`);
  if (!res.ok) {
    showStep(null);
    show('#summary', false);
    showOrderProblem(res);
    return false;
  }
  view = res.body;
  render();
  return !FINAL_STATES.includes(view.state);
}

function render() {
  const mine = view.viewer === 'buyer';
  const payer = mine || unlocked;
  fillSummary(view.product);
  fillCheckout(view.checkout, view.product.currency);
  show('#summary', payer && view.state !== 'awaiting_buyer');
  $('#payment-verification').textContent = t(view.variant === 'simple' ? 'pay.info.none' : 'pay.info.otp');
  const declined = lastState === 'payment_pending' && view.state === 'awaiting_payment';
  if (lastState !== undefined && lastState !== view.state) setStatus(''); // it spoke of the step just left
  lastState = view.state;

  // After payment either party finds the chat record under the progress.
  if (PROGRESS_STATES.includes(view.state) && view.viewer !== 'visitor') refreshTranscript(code, view, FINAL_STATES.includes(view.state));
  else hideTranscript();

  switch (view.state) {
    case 'awaiting_buyer':
      return showStep('password-step');
    case 'awaiting_payment':
      showStep(payer ? 'payment-step' : 'password-step');
      if (declined || view.chargeId !== undefined) $('#card-form [data-form-error]').textContent = t('pay.declined');
      return;
    case 'awaiting_otp':
      return showStep(payer ? 'otp-step' : 'password-step');
    case 'awaiting_checkout':
      return showStep(payer ? 'checkout-step' : 'password-step');
    case 'payment_pending':
      return showStep('pending-step');
    case 'expired':
    case 'cancelled':
      showStep(null);
      return showNotice(t(`pay.outcome.${linkExpired(view) ? 'link_expired' : view.state}`));
    default:
      if (PROGRESS_STATES.includes(view.state)) return renderProgress(mine);
  }
}

/** The link itself expired (no buyer ever got the payment info), not a buyer's payment period. */
function linkExpired(order) {
  return order.state === 'expired' && order.viewer !== 'buyer' && !order.buyer;
}

function renderProgress(mine) {
  showStep('progress');
  show('#summary', true);
  const { state, product } = view;
  const stage = (name, status) => {
    const li = document.querySelector(`[data-stage="${name}"]`);
    li.dataset.status = status;
    li.querySelector('.stage-status').textContent = `(${t(`progress.${status}`)})`;
  };
  const settled = state === 'completed' || state === 'refunded';
  stage('one', 'done');
  stage('decision', state === 'escrow' || state === 'disputed' ? 'current' : 'done');
  stage('two', settled ? 'done' : state === 'settling' ? 'current' : 'waiting');

  const qr = $('#qr-image');
  const qrSrc = `${config.apiBase}/media/qr/${encodeURIComponent(product.transactionCode)}.png`;
  if (qr.getAttribute('src') !== qrSrc) qr.src = qrSrc;
  qr.alt = t('progress.qr_alt', { code: product.transactionCode });

  const deciding = state === 'escrow' && view.decisionDeadlineMs !== undefined;
  show('#deadline', deciding);
  show('#countdown', deciding);
  show('#decision-forms', deciding && mine);
  if (deciding) {
    $('#deadline').textContent = t('progress.deadline', { deadline: formatDateTime(view.decisionDeadlineMs) });
    startCountdown(view.decisionDeadlineMs);
  } else {
    stopCountdown();
  }

  const money = (minor) => formatMoney(minor, product.currency);
  const outcome =
    state === 'disputed'
      ? t('progress.disputed', { reason: view.dispute?.reason ?? '' })
      : state === 'settling'
        ? t('progress.settling')
        : state === 'refunded'
          ? t('progress.refunded', { buyerRefunded: money(view.buyerRefundedMinor) })
          : state === 'completed' && view.buyerRefundedMinor > 0
            ? t('progress.split', { sellerPaid: money(view.sellerPaidMinor), buyerRefunded: money(view.buyerRefundedMinor) })
            : state === 'completed'
              ? t('progress.completed', { sellerPaid: money(view.sellerPaidMinor) })
              : '';
  $('#progress-outcome').textContent = outcome;
  show('#progress-outcome', outcome !== '');
}

function startCountdown(deadlineMs) {
  if (countdown?.deadlineMs === deadlineMs) return;
  stopCountdown();
  const tick = () => {
    $('#countdown').textContent = t('progress.countdown', { time: formatDuration(deadlineMs - Date.now()) });
  };
  tick();
  countdown = { deadlineMs, timer: setInterval(tick, 1000) };
}

function stopCountdown() {
  if (countdown) clearInterval(countdown.timer);
  countdown = undefined;
}

/** Outcomes of a payment request that stop the buyer, with where to go next. */
function requestRefused(outcome) {
  const order = encodeURIComponent(code);
  switch (outcome.outcome) {
    case 'wallet_activation_required':
      return showNotice(t('pay.outcome.wallet_activation_required'), {
        href: pageHref(`/pages/wallet?role=buyer&order=${order}`),
        label: t('pay.outcome.wallet_link'),
      });
    case 'phone_binding_required':
      return showNotice(t('pay.outcome.phone_binding_required'), {
        href: pageHref(`/pages/phone?order=${order}`),
        label: t('pay.outcome.phone_link'),
      });
    case 'abnormal_binding':
      return showNotice(t(`pay.outcome.abnormal_binding.${outcome.reason}`));
    case 'bind_required':
      // Once the buyer adds us, the same password goes again: nothing to retype.
      return waitForFriendship(async () => {
        hideNotice();
        $('#password-form').requestSubmit();
      });
    default:
      return showNotice(t(`pay.outcome.${outcome.outcome}`));
  }
}

/** What a payment request answered: on to the payment info, or where to go first (the password is kept for the way back). */
async function requested(outcome, dynamicPassword) {
  if (outcome.outcome === 'wrong_password') {
    sessionStorage.removeItem(PROVEN_KEY);
    return fieldError($('#password-form'), 'dynamicPassword', t('pay.outcome.wrong_password', { attemptsLeft: outcome.attemptsLeft }));
  }
  if (outcome.outcome !== 'payment_info') {
    if (['wallet_activation_required', 'phone_binding_required', 'bind_required'].includes(outcome.outcome)) {
      sessionStorage.setItem(PROVEN_KEY, dynamicPassword);
    }
    return requestRefused(outcome);
  }
  sessionStorage.removeItem(PROVEN_KEY);
  unlocked = true;
  await load();
  $('#card-form button[type="submit"]').focus();
}

/** Back from the wallet activation or the phone binding: the request goes again with the password this tab proved. */
async function resume() {
  const kept = sessionStorage.getItem(PROVEN_KEY);
  if (!kept || !view || !['awaiting_buyer', 'awaiting_payment'].includes(view.state) || unlocked) return;
  const res = await api('POST', `/api/orders/${code}/payment-requests`, {
    body: { dynamicPassword: kept },
    idempotencyKey: newIdempotencyKey(),
  });
  if (res.ok) await requested(res.body, kept);
}

function bindForms() {
  bindForm($('#password-form'), async (values, send) => {
    hideNotice();
    const outcome = await send('POST', `/api/orders/${code}/payment-requests`, { dynamicPassword: values.dynamicPassword }).catch(
      async (err) => {
        // Refused because the link ended while this page was open (a phone asleep misses the
        // polls): the page says how it ended, as it does when opened now.
        await load().catch(() => undefined);
        throw err;
      },
    );
    await requested(outcome, values.dynamicPassword);
  });

  bindForm($('#card-form'), async (_values, send) => {
    const outcome = await send('POST', `/api/orders/${code}/payment-parameters`, { method: 'card' });
    if (outcome.outcome === 'checkout') return goToCheckout(outcome.checkoutUrl);
    await load();
    if (outcome.outcome === 'otp_sent') {
      setStatus(t('pay.otp.hint'));
      $('#otp-form').elements.namedItem('otp').focus();
    } else if (outcome.outcome !== 'checkout') {
      $('#card-form [data-form-error]').textContent = outcome.detail ?? t(`pay.outcome.${outcome.outcome}`);
    }
  });

  bindForm($('#otp-form'), async (values, send) => {
    const outcome = await send('POST', `/api/orders/${code}/otp`, { otp: values.otp });
    const form = $('#otp-form');
    if (outcome.outcome === 'wrong_otp') return fieldError(form, 'otp', t('pay.otp.wrong', { attemptsLeft: outcome.attemptsLeft }));
    if (outcome.outcome === 'otp_expired') return fieldError(form, 'otp', t('pay.otp.expired'));
    if (outcome.outcome === 'otp_exhausted') return fieldError(form, 'otp', t('pay.otp.exhausted'));
    form.reset();
    if (outcome.outcome === 'checkout') return goToCheckout(outcome.checkoutUrl);
    lastState = 'payment_pending'; // so a decline that comes back before the next poll is still noticed
    await load();
  });

  bindForm($('#resend-form'), async (_values, send) => {
    await send('POST', `/api/orders/${code}/otp/resend`);
    setStatus(t('pay.otp.resent'));
    await load();
  });

  // S204: releasing cannot be undone, so Agree asks first; only the confirmation sends it.
  bindForm($('#agree-form'), async () => {
    $('#agree-confirm-q').textContent = t('progress.agree.question', {
      amount: formatMoney(view.product.totalMinor, view.product.currency),
    });
    show('#agree-form', false);
    show('#agree-confirm', true);
    $('#agree-confirm-form button[type="submit"]').focus();
  });
  $('#agree-cancel').addEventListener('click', () => {
    show('#agree-confirm', false);
    show('#agree-form', true);
    $('#agree-form button[type="submit"]').focus();
  });
  bindForm($('#agree-confirm-form'), async (_values, send) => {
    await send('POST', `/api/orders/${code}/decision`, { decision: 'agree' });
    show('#agree-confirm', false);
    show('#agree-form', true);
    await load();
  });

  bindForm($('#dispute-form'), async (values, send) => {
    await send('POST', `/api/orders/${code}/decision`, { decision: 'dispute', reason: values.reason });
    await load();
  });
}

start(async () => {
  if (!idToken()) goToLogin();
  setStatus(t('loading'));
  bindForms();
  await load();
  await resume();
  poll(load, 2000);
  setStatus('');
});
