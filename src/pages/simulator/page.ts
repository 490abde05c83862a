import { isOpenableUri } from './safe-uri';

/**
 * The simulator page: self-contained HTML with inline script (no build). It talks to the LINE
 * emulator's /__emulator controls directly (the emulator answers them with CORS headers); which
 * emulator is the server's setting (config.json), never the page's URL.
 */
export const SIMULATOR_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Chat simulator (LINE emulator)</title>
<style>
body{font-family:system-ui,"Noto Sans TC",sans-serif;margin:0;background:#eef1f5;color:#222}
header{padding:10px 16px;background:#06c755;color:#fff;display:flex;gap:12px;align-items:center}
header h1{font-size:18px;margin:0}header small{opacity:.85}
main{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:12px}
.side{background:#fff;border-radius:10px;display:flex;flex-direction:column;height:calc(100vh - 90px)}
.who{padding:8px;border-bottom:1px solid #ddd;display:flex;gap:6px;flex-wrap:wrap;align-items:center}
.log{flex:1;overflow-y:auto;padding:10px;background:#8cabd9}
.msg{max-width:85%;margin:6px 0;padding:8px 10px;border-radius:14px;background:#fff;white-space:pre-wrap;word-break:break-word}
.msg.me{margin-left:auto;background:#85e249}
.card{border:1px solid #ccc}.card img{max-width:120px;display:block;margin:4px 0}
.card img.full{max-width:100%;width:240px}.card img.sm{max-width:80px}
.card .t{margin:2px 0}.card .b{font-weight:600}
.btns{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}
button{cursor:pointer}.btns button{border:1px solid #06c755;background:#fff;color:#06c755;border-radius:6px;padding:4px 8px}
form{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}form input.text{flex:1;padding:6px}
.extras{display:flex;gap:10px;padding:0 8px 8px;align-items:center}.photo-label{cursor:pointer}
.err{color:#b00020;padding:4px 8px}
</style></head>
<body>
<header><h1>Chat simulator</h1><small id="emu">loading…</small></header>
<main id="sides"></main>
<template id="side">
  <section class="side">
    <div class="who"><strong class="role"></strong>
      <select class="users"></select>
      <button class="new" type="button">New user</button>
      <label><input class="en" type="checkbox"> English</label>
      <button class="follow" type="button">Add friend</button>
      <button class="unfollow" type="button">Block</button>
    </div>
    <div class="err" hidden></div>
    <div class="log"></div>
    <form><input class="text" placeholder="Type a message, e.g. 賣 1200 1 二手相機 or help" autocomplete="off"><button>Send</button></form>
    <div class="extras"><button class="sticker" type="button" title="Send a sticker" aria-label="Send a sticker">Send sticker</button>
      <label class="photo-label" title="Send a photo">Send photo…<input class="photo" type="file" accept="image/jpeg,image/png" aria-label="Send a photo" hidden></label></div>
  </section>
</template>
<script>
'use strict';
const POLL_MS = 1000;
let EMU = null;
const typed = new Map(); // userId -> [{at, text}] what this page sent, shown on the right
// Messages come from the emulator, which anything on the way could alter: only http(s) is opened or shown.
const isOpenableUri = ${isOpenableUri.toString()};

async function emu(method, path, body) {
  const res = await fetch(EMU + '/__emulator' + path, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(out.message || ('emulator answered ' + res.status));
  return out;
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c != null) e.append(c);
  return e;
}

/** Texts, images and buttons of a Flex bubble (or carousel), in document order. */
function walkFlex(node, out) {
  if (Array.isArray(node)) { node.forEach((n) => walkFlex(n, out)); return out; }
  if (!node || typeof node !== 'object') return out;
  if (node.type === 'text' && typeof node.text === 'string') out.push({ kind: 'text', text: node.text, bold: node.weight === 'bold' });
  // The size keeps LINE's look: a hero picture fills the bubble, a small one (a QR code below a photo) stays small.
  if (node.type === 'image' && node.url) out.push({ kind: 'image', url: node.url, size: node.size });
  if (node.action && node.action.type) out.push({ kind: 'action', action: node.action });
  for (const key of ['header', 'hero', 'body', 'footer', 'contents']) if (node[key]) walkFlex(node[key], out);
  return out;
}

function actionButton(side, action) {
  return el('button', { type: 'button', textContent: action.label || action.type, onclick: () => act(side, action) });
}

async function act(side, action) {
  try {
    if (action.type === 'postback') {
      note(side.userId, action.displayText || ('[' + action.label + ']'));
      await emu('POST', '/webhook', { type: 'postback', userId: side.userId, data: action.data });
    } else if (action.type === 'uri') {
      if (!isOpenableUri(action.uri)) throw new Error('not opened: only http(s) links are opened here');
      // Our pages read the LINE ID token from sessionStorage; a tab opened from here gets a copy.
      const { idToken } = await emu('POST', '/id-token', { userId: side.userId, ttlSeconds: 3600 });
      sessionStorage.setItem('idToken', idToken);
      window.open(new URL(action.uri).href, '_blank');
    } else if (action.type === 'clipboard') {
      await navigator.clipboard.writeText(action.clipboardText);
    } else if (action.type === 'message') {
      await send(side, action.text);
    }
  } catch (err) { showError(side, err); }
}

function render(side, message) {
  const m = message.message;
  const box = el('div', { className: 'msg' + (m.type === 'flex' ? ' card' : '') });
  if (m.type === 'text') box.append(m.text);
  else if (m.type === 'flex') {
    const btns = el('div', { className: 'btns' });
    for (const part of walkFlex(m.contents, [])) {
      if (part.kind === 'text') box.append(el('div', { className: 't' + (part.bold ? ' b' : ''), textContent: part.text }));
      if (part.kind === 'image' && isOpenableUri(part.url))
        box.append(el('img', { src: part.url, alt: '', className: part.size === 'full' || part.size === 'sm' ? part.size : '' }));
      if (part.kind === 'action') btns.append(actionButton(side, part.action));
    }
    if (btns.childElementCount) box.append(btns);
  } else box.append('[' + m.type + '] ' + (m.altText || ''));
  const quick = (m.quickReply && m.quickReply.items) || [];
  if (quick.length) box.append(el('div', { className: 'btns' }, ...quick.map((i) => actionButton(side, i.action))));
  return box;
}

function note(userId, text) {
  if (!typed.has(userId)) typed.set(userId, []);
  typed.get(userId).push({ at: Date.now(), text });
}

async function send(side, text) {
  note(side.userId, text);
  await emu('POST', '/webhook', { type: 'text', userId: side.userId, text });
  await refresh(side);
}

function showError(side, err) {
  side.err.hidden = false;
  side.err.textContent = String(err && err.message || err);
  setTimeout(() => { side.err.hidden = true; }, 5000);
}

async function refresh(side) {
  if (!side.userId) return;
  const received = await emu('GET', '/messages?to=' + encodeURIComponent(side.userId));
  const items = received.map((m) => ({ at: m.at, node: () => render(side, m) }))
    .concat((typed.get(side.userId) || []).map((t) => ({ at: t.at, node: () => el('div', { className: 'msg me', textContent: t.text }) })));
  items.sort((a, b) => a.at - b.at);
  const key = side.userId + ':' + items.length;
  if (key === side.shown) return; // nothing new: keep the scroll position and the buttons
  side.shown = key;
  side.log.replaceChildren(...items.map((i) => i.node()));
  side.log.scrollTop = side.log.scrollHeight;
}

async function loadUsers(sides) {
  const users = await emu('GET', '/users');
  for (const side of sides) {
    const current = side.userId;
    side.users.replaceChildren(...users.map((u) => el('option', { value: u.userId, textContent: u.displayName + (u.friend ? '' : ' (not a friend)') })));
    if (current && users.some((u) => u.userId === current)) side.users.value = current;
    side.userId = side.users.value || undefined;
  }
}

function buildSide(role, index, sides) {
  const node = document.getElementById('side').content.firstElementChild.cloneNode(true);
  const side = {
    role, log: node.querySelector('.log'), users: node.querySelector('.users'), err: node.querySelector('.err'), userId: undefined, shown: '',
  };
  node.querySelector('.role').textContent = role;
  side.users.onchange = () => { side.userId = side.users.value; side.shown = ''; refresh(side).catch((e) => showError(side, e)); };
  node.querySelector('.new').onclick = async () => {
    try {
      const english = node.querySelector('.en').checked;
      const user = await emu('POST', '/users', { displayName: role + ' ' + (Date.now() % 10000), language: english ? 'en' : 'zh-TW', friend: false });
      side.userId = user.userId;
      await loadUsers(sides);
      side.users.value = user.userId;
      // Adding the official account as a friend is the first thing a LINE user does.
      await emu('POST', '/webhook', { type: 'follow', userId: user.userId });
      await loadUsers(sides);
    } catch (err) { showError(side, err); }
  };
  node.querySelector('.follow').onclick = () => emu('POST', '/webhook', { type: 'follow', userId: side.userId }).then(() => loadUsers(sides)).catch((e) => showError(side, e));
  node.querySelector('.unfollow').onclick = () => emu('POST', '/webhook', { type: 'unfollow', userId: side.userId }).then(() => loadUsers(sides)).catch((e) => showError(side, e));
  node.querySelector('.sticker').onclick = () => {
    if (!side.userId) return;
    note(side.userId, '[sticker]');
    emu('POST', '/webhook', { type: 'sticker', userId: side.userId }).then(() => refresh(side)).catch((e) => showError(side, e));
  };
  // A photo goes to the emulator, which keeps its bytes and tells the bot a picture arrived (LINE's content API serves it).
  node.querySelector('.photo').onchange = async (ev) => {
    const file = ev.target.files && ev.target.files[0];
    ev.target.value = '';
    if (!file || !side.userId) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      note(side.userId, '[photo] ' + file.name);
      await emu('POST', '/webhook', { type: 'image', userId: side.userId, contentType: file.type === 'image/png' ? 'image/png' : 'image/jpeg', contentBase64: btoa(binary) });
      await refresh(side);
    } catch (e) { showError(side, e); }
  };
  node.querySelector('form').onsubmit = (ev) => {
    ev.preventDefault();
    const input = node.querySelector('.text');
    const text = input.value.trim();
    if (!text || !side.userId) return;
    input.value = '';
    send(side, text).catch((e) => showError(side, e));
  };
  document.getElementById('sides').append(node);
  return side;
}

async function main() {
  const config = await (await fetch(location.pathname.replace(/\\/$/, '') + '/config.json')).json();
  EMU = (isOpenableUri(config.lineEmulatorUrl) ? config.lineEmulatorUrl : '').replace(/\\/$/, '');
  const label = document.getElementById('emu');
  if (!EMU) { label.textContent = 'No LINE emulator configured (LINE_API_BASE_URL points at LINE itself).'; return; }
  label.textContent = 'LINE emulator at ' + EMU;
  const sides = [];
  sides.push(buildSide('Seller', 0, sides), buildSide('Buyer', 1, sides));
  await loadUsers(sides);
  if (sides[1].users.options.length > 1) { sides[1].users.selectedIndex = 1; sides[1].userId = sides[1].users.value; }
  for (;;) {
    for (const side of sides) await refresh(side).catch((e) => showError(side, e));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
main().catch((err) => { document.getElementById('emu').textContent = 'Simulator failed: ' + err.message; });
</script>
</body></html>
`;
