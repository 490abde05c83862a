import { html, type Html } from '../html';
import type { Translate } from '../i18n';
import { notice } from './notice';

/**
 * Where the payment provider's hosted checkout sends the buyer back (with `session_id`, which we
 * do not need: the order is the source of truth). assets/pay-return.js reads the order until the
 * provider's signed webhook has moved it, then says how it went.
 */
export function payReturnBody(t: Translate): Html {
  return html`${notice()}
    <p id="confirming" class="busy">${t('pay.return.confirming')}</p>
    <p id="return-outcome" class="outcome" hidden></p>
    <p><a id="to-payment" class="button-link" href="#">${t('back.to_payment')}</a></p>`;
}
