import { html, jsonForScript, type Html } from './html';
import type { Lang, Messages, Translate } from './i18n';

/** What every page's script learns from the server, read by assets/client.js. */
export interface PageData {
  lang: Lang;
  strings: Messages;
  /** Where the JSON API lives; '' means this origin (production: the api serves the pages). */
  apiBase: string;
  loginPath: string;
  [extra: string]: unknown;
}

export interface PageSpec {
  title: string;
  /** The page's own module under /pages/assets/; none for a page with nothing to do. */
  script?: string;
  body: Html;
  data: PageData;
  t: Translate;
  /** The path and query of this page, for the language switch. */
  url: string;
  /** A desktop page (the support console): wide tables, still one column on a phone. */
  wide?: boolean;
}

export const ASSET_PREFIX = '/pages/assets';
/** The bundled LIFF SDK (src/pages/liff-sdk.ts), loaded before the page's module when LIFF_ID is set. */
export const LIFF_SDK_FILE = 'liff-sdk.js';

/** The same page in the other language, keeping every other query parameter. */
function otherLanguageHref(url: string, lang: Lang): string {
  const parsed = new URL(url, 'http://pages.invalid');
  if (lang === 'en') parsed.searchParams.delete('lang');
  else parsed.searchParams.set('lang', 'en');
  return parsed.pathname + parsed.search;
}

/** The phone-sized shell: one column, skip link, language switch, a live region for status. */
export function renderPage(spec: PageSpec): string {
  const { t, data } = spec;
  return (
    '<!doctype html>\n' +
    html`<html lang="${data.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="api-base" content="${data.apiBase}" />
        <meta name="format-detection" content="telephone=no" />
        <title>${spec.title} · ${t('app.name')}</title>
        <link rel="stylesheet" href="${ASSET_PREFIX}/pages.css" />
        <script type="application/json" id="page-data">
          ${jsonForScript(data)}
        </script>
        ${spec.script && data.liffId ? html`<script src="${ASSET_PREFIX}/${LIFF_SDK_FILE}"></script>` : ''}
        ${spec.script ? html`<script type="module" src="${ASSET_PREFIX}/${spec.script}"></script>` : ''}
      </head>
      <body${spec.wide ? html` class="wide"` : ''}>
        <a class="skip" href="#main">${t('skip')}</a>
        <header class="bar">
          <span class="brand">${t('app.name')}</span>
          <a
            class="lang"
            href="${otherLanguageHref(spec.url, data.lang)}"
            hreflang="${data.lang === 'en' ? 'zh-TW' : 'en'}"
            aria-label="${t('lang.switch.label')}"
            >${t('lang.switch')}</a
          >
        </header>
        <main id="main" tabindex="-1">
          <h1>${spec.title}</h1>
          <p id="status" class="status" role="status" aria-live="polite"></p>
          ${spec.body}
        </main>
      </body>
    </html> `.value
  );
}
