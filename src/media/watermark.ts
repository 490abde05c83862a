import { escapeXml, svgToPng, wrapText } from './svg';

export interface WatermarkInput {
  transactionCode: string;
  productName: string;
  /**
   * The seller's picture as SVG markup, or as a `data:image/png|jpeg;base64,…` URL (a photo sent
   * in the chat); null draws a placeholder card with the product name.
   */
  sourceImageSvgOrNull: string | null;
}

/** Square, within LINE's 1024×1024 image limit; the bubble shows it as a 1:1 hero. */
export const WATERMARK_SIZE = 800;
const PICTURE = { x: 40, y: 40, width: 720, height: 600 };
/** Generic on purpose: resvg 2.6 does not fall through a family list, so naming fonts we may lack buys nothing. */
const FONT = 'sans-serif';

/**
 * The product picture of S107 with the transaction code written across it, repeated and
 * semi-transparent: a screenshot of it cannot pass as the picture of another deal, and the
 * code below the picture reads even where the watermark is faint.
 */
export function watermarkedProductImage(input: WatermarkInput): Buffer {
  const picture = input.sourceImageSvgOrNull === null ? placeholder(input.productName) : embedded(input.sourceImageSvgOrNull);
  const code = escapeXml(input.transactionCode);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WATERMARK_SIZE}" height="${WATERMARK_SIZE}" viewBox="0 0 ${WATERMARK_SIZE} ${WATERMARK_SIZE}">
<rect width="100%" height="100%" fill="#F4F5F7"/>
<rect x="${PICTURE.x}" y="${PICTURE.y}" width="${PICTURE.width}" height="${PICTURE.height}" rx="24" fill="#FFFFFF"/>
${picture}
<text x="400" y="720" text-anchor="middle" font-family="${FONT}" font-size="44" font-weight="bold" fill="#222222">${code}</text>
${watermark(code)}
</svg>`;
  return svgToPng(svg);
}

/** Rows of the code at -30°, each row shifted, over a square larger than the picture so no corner is bare. */
function watermark(escapedCode: string): string {
  const texts: string[] = [];
  const c = WATERMARK_SIZE / 2;
  for (let row = 0, y = -300; y <= WATERMARK_SIZE + 300; row++, y += 100) {
    for (let x = -400 + (row % 2) * 160; x <= WATERMARK_SIZE + 400; x += 320) {
      texts.push(`<text x="${x}" y="${y}">${escapedCode}</text>`);
    }
  }
  return `<g transform="rotate(-30 ${c} ${c})" font-family="${FONT}" font-size="34" font-weight="bold" fill="#000000" fill-opacity="0.16">${texts.join('')}</g>`;
}

/** Nested SVG (or a photo) through a data URL: resvg draws it without fetching anything. */
function embedded(source: string): string {
  const photo = /^data:image\/(?:png|jpeg);base64,[A-Za-z0-9+/=]+$/.test(source);
  const href = photo ? source : `data:image/svg+xml;base64,${Buffer.from(source, 'utf8').toString('base64')}`;
  // A photo fills the frame (cropped), a drawing is shown whole.
  const fit = photo ? 'xMidYMid slice' : 'xMidYMid meet';
  return `<image href="${href}" x="${PICTURE.x}" y="${PICTURE.y}" width="${PICTURE.width}" height="${PICTURE.height}" preserveAspectRatio="${fit}"/>`;
}

function placeholder(productName: string): string {
  const lines = wrapText(productName.trim() || '—', 16, 4);
  const lineHeight = 52;
  const firstY = 460 - ((lines.length - 1) * lineHeight) / 2;
  const text = lines.map((line, i) => `<tspan x="400" y="${firstY + i * lineHeight}">${escapeXml(line)}</tspan>`).join('');
  return `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#E3F2FD"/><stop offset="1" stop-color="#E8F5E9"/></linearGradient></defs>
<rect x="${PICTURE.x}" y="${PICTURE.y}" width="${PICTURE.width}" height="${PICTURE.height}" rx="24" fill="url(#bg)"/>
<g transform="translate(340 150)" fill="none" stroke="#5F6B7A" stroke-width="8" stroke-linejoin="round">
<path d="M60 0 L120 30 L120 100 L60 130 L0 100 L0 30 Z"/><path d="M0 30 L60 60 L120 30 M60 60 L60 130"/></g>
<text text-anchor="middle" font-family="${FONT}" font-size="40" fill="#33404F">${text}</text>`;
}
