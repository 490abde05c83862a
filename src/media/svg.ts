import { Resvg } from '@resvg/resvg-js';

/** Text from users goes into SVG markup: escape it, or a product name could inject elements. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/**
 * SVG to PNG. System fonts with a generic family: the server may lack CJK glyphs, so pictures
 * must stay legible through their ASCII parts (the transaction code) alone.
 */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: true }, logLevel: 'off' });
  return resvg.render().asPng();
}

/**
 * Greedy line breaking by estimated width: wide (CJK) characters count 1, others about half.
 * Prefers a space for the break so Latin words stay whole. Good enough for a placeholder card;
 * at most maxLines, the last one marked when cut.
 */
export function wrapText(text: string, maxUnitsPerLine: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  for (const ch of text) {
    if (width(line) + width([ch]) > maxUnitsPerLine && line.length > 0) {
      const space = line.lastIndexOf(' ');
      const cut = space > line.length / 2 ? space + 1 : line.length;
      lines.push(line.slice(0, cut).join('').trimEnd());
      line = line.slice(cut);
      if (lines.length === maxLines) {
        lines[maxLines - 1] = lines[maxLines - 1]!.replace(/.$/u, '…');
        return lines;
      }
    }
    line.push(ch);
  }
  if (line.length > 0) lines.push(line.join(''));
  return lines;
}

function width(chars: string[]): number {
  return chars.reduce((sum, ch) => sum + (isWide(ch) ? 1 : 0.55), 0);
}

function isWide(ch: string): boolean {
  const code = ch.codePointAt(0)!;
  return (
    code >= 0x1100 &&
    (code <= 0x115f ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      code >= 0x1f300)
  );
}
