/** Cutting strings without breaking a UTF-16 surrogate pair (an emoji cut in half renders as garbage). */

const ELLIPSIS = '…';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** End index <= max that does not fall between the two halves of a surrogate pair. */
function safeCut(text: string, max: number): number {
  if (max >= text.length) return text.length;
  return max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
}

/** Shortens to at most maxChars, marking the cut with an ellipsis. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return text.slice(0, safeCut(text, maxChars - ELLIPSIS.length)) + ELLIPSIS;
}

/**
 * Splits into pieces of at most maxChars, preferring a line break, then a space, in the back half
 * of each piece so words and lines stay whole when they can.
 */
export function splitText(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    let cut = safeCut(rest, maxChars);
    const window = rest.slice(0, cut);
    const preferred = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    if (preferred >= maxChars / 2) cut = preferred + 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}
