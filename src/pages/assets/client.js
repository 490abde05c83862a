// The one client module every page shares: page data and i18n, calls to the JSON API with the
// caller's identity, idempotency keys, form submission and error display, small formatters.
// Plain ES module, no build step; pages import what they need.

const data = JSON.parse(document.getElementById('page-data').textContent);

export const config = data;
export const lang = data.lang;

/** The same `{name}` substitution as the server's translator (src/pages/i18n.ts). */
export function t(key, vars = {}) {
  const text = data.strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** A link to another page in the language this one is in. */
export function pageHref(path) {
  const url = new URL(path, location.origin);
  if (lang === 'en') url.searchParams.set('lang', 'en');
  return url.pathname + url.search;
}

// ---- identity ---------------------------------------------------------------------------

/** Thrown (and quietly dropped) once the page is on its way to LINE Login. */
export class Redirecting extends Error {}

export function goToLogin() {
  setStatus(t('login.redirect'));
  location.assign(`${data.loginPath}?next=${encodeURIComponent(location.pathname + location.search)}`);
  throw new Redirecting('login');
}

export function idToken() {
  return sessionStorage.getItem('idToken');
}

/**
 * The LINE user id inside the ID token, only to decide which step to show (e.g. "am I the buyer
 * of this order?"). The server verifies the token on every call; nothing here is trusted.
 */
export function currentUserId() {
  const token = idToken();
  if (!token) return undefined;
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).sub;
  } catch {
    return undefined;
  }
}

// ---- the API ----------------------------------------------------------------------------

/** One key per submission; a retry after an unanswered request reuses it (see bindForm). */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class NetworkError extends Error {}

/**
 * The staff console's session is an HttpOnly cookie the page never sees; calls that change
 * something also carry the session's CSRF token (from GET /auth/staff/session).
 */
let staffCsrfToken;
export function setStaffCsrfToken(token) {
  staffCsrfToken = token;
}

/**
 * Calls the API. `auth`: 'user' sends the LINE ID token (and goes to login on 401), 'staff'
 * relies on the console's session cookie (plus its CSRF token), 'none' nothing. Resolves to
 * {status, ok, body, problem}; rejects only when there was no answer at all (NetworkError) or
 * the page is leaving for login.
 */
export async function api(method, path, { body, auth = 'user', idempotencyKey } = {}) {
  const headers = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  if (auth === 'user') {
    const token = idToken();
    if (!token) goToLogin();
    headers.authorization = `Bearer ${token}`;
  } else if (auth === 'staff' && staffCsrfToken && !['GET', 'HEAD'].includes(method)) {
    headers['x-csrf-token'] = staffCsrfToken;
  }
  let res;
  try {
    res = await fetch(data.apiBase + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  const isProblem = (res.headers.get('content-type') ?? '').includes('problem+json') || !res.ok;
  if (res.status === 401 && auth === 'user') {
    sessionStorage.removeItem('idToken'); // expired or revoked: LINE Login gives a fresh one
    goToLogin();
  }
  return {
    status: res.status,
    ok: res.ok,
    body: parsed,
    headers: res.headers,
    problem: isProblem ? problemOf(res.status, parsed) : undefined,
  };
}

function problemOf(status, body) {
  if (body && typeof body === 'object') return { status, ...body };
  return { status, detail: typeof body === 'string' && body ? body : `HTTP ${status}` };
}

/** The api's catch-all 404 ("no route for …"): the endpoint is not deployed here (yet). */
export function isMissingRoute(problem) {
  return problem?.status === 404 && typeof problem.detail === 'string' && problem.detail.startsWith('no route for');
}

/** Whether the API has a route, asked without side effects (Express answers OPTIONS with Allow). */
export async function routeExists(method, path) {
  try {
    const res = await fetch(data.apiBase + path, { method: 'OPTIONS' });
    if (res.status === 404) return false;
    const allow = res.headers.get('allow');
    return allow === null
      ? res.ok
      : allow
          .split(',')
          .map((m) => m.trim())
          .includes(method);
  } catch {
    return false;
  }
}

// ---- forms ------------------------------------------------------------------------------

/** Stops a submission whose problem is already on the screen. */
class Shown extends Error {}

/**
 * Drives one form: blocks a second submission while the first is under way, disables its
 * buttons, sends one Idempotency-Key per submission (kept for a retry when no answer came, so
 * the server sees one step), and shows the API's problems next to the fields they name.
 * `handler(values, send)` calls `send(method, path, body, options)`, which resolves to the
 * body of a successful answer; a problem is shown and ends the submission.
 */
export function bindForm(form, handler) {
  let busy = false;
  let unanswered = null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const key = unanswered ?? newIdempotencyKey();
    unanswered = key;
    setBusy(form, true);
    clearErrors(form);
    let leaving = false;
    const send = async (method, path, body, options = {}) => {
      const res = await api(method, path, { body, idempotencyKey: key, ...options });
      unanswered = null;
      if (res.ok) return res.body;
      showProblem(form, res.problem);
      throw new Shown();
    };
    const values = formValues(form);
    if (event.submitter?.name) values[event.submitter.name] = event.submitter.value;
    try {
      await handler(values, send);
    } catch (err) {
      if (err instanceof Redirecting) leaving = true;
      else if (err instanceof NetworkError) formError(form, t('error.network'));
      else if (!(err instanceof Shown)) {
        unanswered = null;
        formError(form, t('error.unexpected', { detail: err?.message ?? String(err) }));
      }
    } finally {
      if (!leaving) {
        busy = false;
        setBusy(form, false);
      }
    }
  });
}

export function formValues(form) {
  const values = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) continue;
    values[el.name] = el.value;
  }
  return values;
}

function setBusy(form, busy) {
  form.setAttribute('aria-busy', String(busy));
  for (const button of form.querySelectorAll('button')) {
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = t('submitting');
    } else if (button.dataset.label) {
      button.textContent = button.dataset.label;
    }
    button.disabled = busy || button.dataset.off === 'true';
  }
}

/** Turns a form off for good (its API is missing, or the step is over). */
export function disableForm(form, message) {
  for (const button of form.querySelectorAll('button')) {
    button.dataset.off = 'true';
    button.disabled = true;
  }
  if (message) formError(form, message);
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for], [data-form-error]')) slot.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** A message next to one field; the field is marked invalid and gets the focus. */
export function fieldError(form, name, message) {
  const slot = [...form.querySelectorAll('[data-error-for]')].find((s) => s.dataset.errorFor === name);
  if (!slot) return formError(form, message);
  slot.textContent = message;
  const control = form.elements.namedItem(name);
  const first = control instanceof window.RadioNodeList ? control[0] : control;
  if (first) {
    first.setAttribute('aria-invalid', 'true');
    first.focus();
  }
}

export function formError(form, message) {
  const slot = form.querySelector('[data-form-error]');
  if (slot) slot.textContent = message;
}

/** problem+json on a form: per-field `errors` where the API named fields, else its `detail`. */
export function showProblem(form, problem) {
  if (isMissingRoute(problem)) return disableForm(form, t('unavailable'));
  if (problem.status === 403) return formError(form, t('error.forbidden', { detail: problem.detail ?? '' }));
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const known = errors.filter((e) => form.querySelector(`[data-error-for="${CSS.escape(e.field)}"]`));
  if (known.length > 0) {
    // Focus lands on the first field in reading order, so set those errors last.
    for (const e of known.reverse()) fieldError(form, e.field, e.message);
    const rest = errors.filter((e) => !known.includes(e));
    if (rest.length > 0) formError(form, rest.map((e) => `${e.field}: ${e.message}`).join('; '));
    return;
  }
  const detail = problem.detail ?? problem.title ?? `HTTP ${problem.status}`;
  if (form.dataset.detailField) fieldError(form, form.dataset.detailField, detail);
  else formError(form, detail);
}

// ---- page furniture ---------------------------------------------------------------------

export function $(selector) {
  return document.querySelector(selector);
}

export function show(el, visible = true) {
  (typeof el === 'string' ? $(el) : el).hidden = !visible;
}

export function setStatus(message) {
  const status = document.getElementById('status');
  if (status) status.textContent = message;
}

/** The page-level alert; `link` is {href, label} for the thing to do next. */
export function showNotice(message, link) {
  const box = $('#notice');
  box.querySelector('[data-notice-text]').textContent = message;
  const a = box.querySelector('[data-notice-link]');
  a.hidden = !link;
  if (link) {
    a.href = link.href;
    a.textContent = link.label;
  }
  box.hidden = false;
}

export function hideNotice() {
  $('#notice').hidden = true;
}

/** Minor units per major unit, as in src/domain/money.ts (TWD and JPY have none on LINE commerce). */
const MINOR_DIGITS = { TWD: 0, JPY: 0, THB: 2, USD: 2 };
// Spelled out because zh-TW's own symbol for TWD is a bare "$", easy to misread as US dollars.
const SYMBOLS = { TWD: 'NT$', JPY: '¥', THB: '฿', USD: 'US$' };

export function formatMoney(amountMinor, currency) {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const number = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
    amountMinor / 10 ** digits,
  );
  return `${SYMBOLS[currency] ?? `${currency} `}${number}`;
}

export function formatDateTime(ms) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

/** `1d 02:03:04` style, for the decision window countdown. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return d > 0 ? `${d}d ${clock}` : clock;
}

/** Runs `tick` now and then every `intervalMs` until it returns false; returns a stop function. */
export function poll(tick, intervalMs) {
  let timer;
  let stopped = false;
  const run = async () => {
    let again = true;
    try {
      again = (await tick()) !== false;
    } catch (err) {
      if (err instanceof Redirecting) again = false;
    }
    if (again && !stopped) timer = setTimeout(run, intervalMs);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Inside LINE our pages are a LIFF app: liff.init, then the user's ID token from
 * liff.getIDToken() (the server verifies it as any other). Outside LINE, or when LIFF cannot
 * start, nothing happens here and the page falls back to LINE Login (goToLogin).
 */
async function identityFromLiff() {
  const liff = window.liff;
  if (!data.liffId || !liff) return;
  try {
    await liff.init({ liffId: data.liffId });
    if (!liff.isInClient() || !liff.isLoggedIn()) return;
    const token = liff.getIDToken();
    // LINE's ID token lasts an hour, the LIFF session longer, and liff.init hands out the same
    // token all along: an expired one would replace the web login's fresh token (a login loop).
    const exp = liff.getDecodedIDToken()?.exp;
    if (token && typeof exp === 'number' && exp * 1000 > Date.now()) sessionStorage.setItem('idToken', token);
  } catch {
    // LIFF unreachable or not configured for this URL: the web login still works.
  }
}

/** Runs a page's start-up; what goes wrong before any form exists is said in the notice. */
export function start(main) {
  identityFromLiff()
    .then(main)
    .catch((err) => {
      if (err instanceof Redirecting) return;
      showNotice(err instanceof NetworkError ? t('error.network') : t('error.unexpected', { detail: err?.message ?? String(err) }));
    });
}

/** An order the caller may not see: not found, or not theirs; anything else as it came. */
export function showOrderProblem(res) {
  const key =
    res.status === 404
      ? 'pay.outcome.not_found'
      : String(res.problem?.type ?? '').endsWith('/not-a-party')
        ? 'pay.outcome.not_a_party'
        : null;
  showNotice(key ? t(key) : t('error.unexpected', { detail: res.problem?.detail ?? res.status }));
}
