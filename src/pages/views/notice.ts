import { html, type Html } from '../html';

/** The one place a page says something important that is not about a single field (role=alert). */
export function notice(): Html {
  return html`<div id="notice" class="notice" role="alert" hidden>
    <p data-notice-text></p>
    <a data-notice-link class="button-link" hidden></a>
  </div>`;
}
