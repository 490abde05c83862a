// The chat record (S203 "transaction info … chat screenshot"): every message our official account
// sent the buyer and the seller about this deal, as they saw it, in this page's language
// (GET /api/orders/:code/transcript: the deal's parties only; codes hidden by the server).
import { $, api, config, formatDateTime, lang, show, t } from './client.js';
import { el, messageBubble } from './bubble.js';

const REFRESH_MS = 15_000;
/** A step's messages are recorded just after the order's state changes: asked again soon, until they settle. */
const SETTLING_MS = 3_000;
const SETTLED_AFTER = 3;
let follow = { key: undefined, timer: undefined };
let shown;

/**
 * Shows the record once the deal is paid; called with each fresh order view. A new state (or
 * deadline) means new messages, recorded just after the state changes: the record is asked at
 * once and every 3 s until three answers agree, then every 15 s (support's words) — or no more
 * once the deal has finished (the page stops polling the order then too).
 */
export function refreshTranscript(code, view, finished) {
  const key = `${view.state}:${view.decisionDeadlineMs ?? ''}`;
  if (key === follow.key) return;
  clearTimeout(follow.timer);
  const current = { key, code, finished, same: 0, timer: undefined };
  follow = current;
  const tick = async () => {
    const settled = await load(current).catch(() => false); // a network failure: asked again on the next tick
    if (current !== follow) return; // the order moved on meanwhile
    if (settled === undefined) return; // not for this reader
    current.same = settled ? current.same + 1 : 0;
    if (current.finished && current.same >= SETTLED_AFTER) return;
    current.timer = setTimeout(tick, current.same >= SETTLED_AFTER ? REFRESH_MS : SETTLING_MS);
  };
  tick();
}

export function hideTranscript() {
  clearTimeout(follow.timer);
  follow = { key: undefined, timer: undefined };
  show('#transcript', false);
}

/** true: the same as shown; false: redrawn; undefined: refused (not a party, or not now). */
async function load(current) {
  const res = await api('GET', `/api/orders/${current.code}/transcript?lang=${encodeURIComponent(lang)}`);
  if (current !== follow) return false;
  if (!res.ok) {
    show('#transcript', false); // the rest of the page still works
    return undefined;
  }
  show('#transcript', true);
  const json = JSON.stringify(res.body.messages);
  if (json === shown) return true;
  shown = json;
  const items = res.body.messages.map((m) => el('li', { dataset: { you: String(m.you) } }, bubbleOf(m)));
  $('#transcript-list').replaceChildren(...items);
  show('#transcript-empty', items.length === 0);
  return false;
}

function bubbleOf(m) {
  const at = formatDateTime(Date.parse(m.sentAt));
  const header = m.you ? t('transcript.to.you', { at, role: t(`transcript.role.${m.to}`) }) : t(`transcript.to.${m.to}`, { at });
  return messageBubble({
    header,
    role: m.to,
    kind: m.kind,
    seen: m,
    // Our own pictures only (the server keeps /media paths), from where this page takes the API.
    image: (path) => `${config.apiBase}${path}`,
    imageAlt: t('transcript.image_alt'),
  });
}
