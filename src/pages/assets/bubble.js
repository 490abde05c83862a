// One message of a deal as its recipient saw it in LINE, drawn as a chat bubble: the card's
// lines (the first one, its title, in bold), its pictures, its buttons and quick replies as
// labels. Shared by the support console's deal page and the parties' chat record, which read the
// same rendering (src/support-console/seen.ts) through their own routes.

/** A DOM element with properties and children (strings become text: nothing is parsed as HTML). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'on') for (const [event, fn] of Object.entries(v)) node.addEventListener(event, fn);
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
  return node;
}

/**
 * `seen` is { lines, images, buttons, quickReplies }; `images` (optional) turns a picture's
 * path into an <img> (the parties' page passes only our own /media pictures); `imageAlt` names them.
 */
export function messageBubble({ header, role, kind, seen, image, imageAlt, className = 'bubble' }) {
  const lines = seen.lines.map((line, i) => el(i === 0 ? 'strong' : 'p', {}, line));
  const pictures = image ? seen.images.map((src) => el('img', { src: image(src), alt: imageAlt ?? '', loading: 'lazy' })) : [];
  const chips = [
    ...seen.buttons.map((b) => el('span', { className: 'chip' }, b)),
    ...seen.quickReplies.map((q) => el('span', { className: 'chip quick' }, q)),
  ];
  return el(
    'article',
    { className, dataset: { role, kind } },
    el('header', {}, header),
    lines,
    pictures,
    chips.length ? el('div', { className: 'chips' }, chips) : null,
  );
}
