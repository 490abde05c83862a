// Phone binding (S404–S405) in two steps: the number, then the code texted to it. Only after the
// code comes back does the API write the binding; it keeps the number encrypted and answers
// with a mask.
import {
  $,
  api,
  bindForm,
  config,
  fieldError,
  formError,
  formatDateTime,
  goToLogin,
  hideNotice,
  idToken,
  pageHref,
  show,
  showNotice,
  showProblem,
  start,
  t,
} from './client.js';

const order = new URLSearchParams(location.search).get('order');
const phoneForm = $('#phone-form');
const codeForm = $('#code-form');

/** Problems this page words itself, and the field each belongs next to (none: the whole form). */
const EXPLAINED = {
  'invalid-phone': 'phone',
  'phone-unreachable': 'phone',
  'wrong-code': 'code',
  'sms-unavailable': null,
  'phone-code-limit': null,
  'phone-binding-limit': null,
  'verification-locked': null,
  'code-expired': null,
  'no-pending-verification': null,
};

function explain(form, problem) {
  let code = String(problem.type ?? '')
    .split('/')
    .pop();
  // A malformed value (the API's generic validation) is said the page's way too.
  if (code === 'invalid-input') code = form === phoneForm ? 'invalid-phone' : 'invalid-code';
  const key = `phone.problem.${code}`;
  if (!(key in config.strings)) return showProblem(form, problem);
  const when = problem.retryAt ? formatDateTime(Date.parse(problem.retryAt)) : '';
  const message = t(key, {
    time: when,
    bound: problem.bound ?? '',
    days: problem.windowDays ?? '',
    attemptsLeft: problem.attemptsLeft ?? '',
  });
  const field = code === 'invalid-code' ? 'code' : EXPLAINED[code];
  if (field) fieldError(form, field, message);
  else formError(form, message);
}

function showBound(phone, message) {
  $('#phone-state').textContent = t('phone.current', { phone });
  show(codeForm, false);
  showNotice(message, order ? { href: pageHref(`/pages/pay/${encodeURIComponent(order)}`), label: t('back.to_payment') } : undefined);
}

function awaitCode(phone, expiresAt) {
  $('#code-sent').textContent = t('phone.code_sent', { phone, time: formatDateTime(Date.parse(expiresAt)) });
  codeForm.elements.namedItem('code').value = '';
  show(codeForm, true);
  codeForm.elements.namedItem('code').focus();
}

start(async () => {
  if (!idToken()) goToLogin();
  bindForm(phoneForm, async (values) => {
    hideNotice();
    formError(codeForm, '');
    const res = await api('POST', '/api/phone-binding', { body: { phone: values.phone } });
    if (!res.ok) return explain(phoneForm, res.problem);
    if (res.body.status === 'already_bound') return showBound(res.body.phone, t('phone.already_bound', { phone: res.body.phone }));
    awaitCode(res.body.phone, res.body.expiresAt);
  });
  bindForm(codeForm, async (values) => {
    const res = await api('POST', '/api/phone-binding/verification', { body: { code: values.code } });
    if (!res.ok) return explain(codeForm, res.problem);
    showBound(res.body.phone, t(res.body.status === 'bound' ? 'phone.bound' : 'phone.already_bound', { phone: res.body.phone }));
  });
  const current = await api('GET', '/api/phone-binding');
  if (!current.ok) return;
  if (current.body.bound) $('#phone-state').textContent = t('phone.current', { phone: current.body.bound.phone });
  if (current.body.pending) awaitCode(current.body.pending.phone, current.body.pending.expiresAt);
});
