// S103 bind request on the payment page: LINE delivers our messages only to friends of our
// official account, so a buyer who is not one is shown the add-friend link and its QR code
// (for a phone other than this one), and the page carries on by itself once LINE tells us of
// the follow (GET /api/friendship reads what the follow event recorded).
import { $, api, poll, showNotice, t } from './client.js';

const FRIENDSHIP_POLL_MS = 1500;

/** Shows the bind request and calls `resume` once the buyer is a friend. */
export async function waitForFriendship(resume) {
  const first = await api('GET', '/api/friendship');
  const addFriendUrl = first.ok ? first.body.addFriendUrl : undefined;
  showNotice(t('pay.outcome.bind_required'), addFriendUrl ? { href: addFriendUrl, label: t('bind.add_friend') } : undefined);
  const box = $('#notice');
  if (addFriendUrl && !box.querySelector('#add-friend-qr')) {
    const figure = document.createElement('figure');
    figure.className = 'qr-figure';
    figure.id = 'add-friend-figure';
    const img = document.createElement('img');
    img.id = 'add-friend-qr';
    img.src = '/media/add-friend.png';
    img.alt = t('bind.qr_alt');
    const caption = document.createElement('figcaption');
    caption.textContent = t('bind.qr_caption');
    figure.append(img, caption);
    box.append(figure);
  }
  const waiting = document.createElement('p');
  waiting.id = 'bind-waiting';
  waiting.className = 'busy';
  waiting.textContent = t('bind.waiting');
  box.querySelector('#bind-waiting')?.remove();
  box.append(waiting);
  poll(async () => {
    const res = await api('GET', '/api/friendship');
    if (!res.ok || !res.body.friend) return true;
    box.querySelector('#add-friend-figure')?.remove();
    box.querySelector('#bind-waiting')?.remove();
    await resume();
    return false;
  }, FRIENDSHIP_POLL_MS);
}
