// The chat record (S203 "transaction info … chat screenshot"): every message our official account
// sent the buyer and the seller about this deal, as they saw it, in this page's language
// (GET /api/orders/:code/transcript: the deal's parties only; codes hidden by the server).
import { $, api, config, formatDateTime, lang, show, t } from './client.js';
import { el, messageBubble } from './bubble.js';

const REFRESH_MS = 15_000;
let last = { key: undefined, at: 0, json: undefined };

/**
 * Shows the record once the deal is paid. Called on every poll of the order: it asks again when
 * the order's state changed (a new stage means new messages) or every 15 s (support's words, an
 * extension), and redraws only when the answer changed.
 */
export async function refreshTranscript(code, view) {
  const key = `${view.state}:${view.decisionDeadlineMs ?? ''}`;
  if (key === last.key && Date.now() - last.at < REFRESH_MS) return;
  last = { ...last, key, at: Date.now() };
  const res = await api('GET', `/api/orders/${code}/transcript?lang=${encodeURIComponent(lang)}`);
  if (!res.ok) return show('#transcript', false); // not a party (or not now): the rest of the page still works
  const json = JSON.stringify(res.body.messages);
  show('#transcript', true);
  if (json === last.json) return;
  last.json = json;
  const items = res.body.messages.map((m) => el('li', { dataset: { you: String(m.you) } }, bubbleOf(m)));
  $('#transcript-list').replaceChildren(...items);
  show('#transcript-empty', items.length === 0);
}

export function hideTranscript() {
  show('#transcript', false);
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
