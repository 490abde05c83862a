import { html, type Html } from '../html';
import type { Translate } from '../i18n';
import { field, form, section } from './controls';
import { notice } from './notice';

/**
 * The buyer's payment page, S101–S115 then S203–S207: every step is in the markup, hidden,
 * and assets/pay.js shows the one the order is at (so a reload resumes where the buyer was).
 * After payment either party also finds the chat record (S203: our messages to both of them).
 */
export function payBody(t: Translate): Html {
  const summary = html`<figure class="product-figure">
      <img id="product-image" alt="" width="320" height="320" />
    </figure>
    <dl class="facts">
      <div>
        <dt>${t('product.name')}</dt>
        <dd data-fact="productName"></dd>
      </div>
      <div>
        <dt>${t('product.unit_price')}</dt>
        <dd data-fact="unitPrice"></dd>
      </div>
      <div>
        <dt>${t('product.quantity')}</dt>
        <dd data-fact="quantity"></dd>
      </div>
      <div>
        <dt>${t('product.total')}</dt>
        <dd data-fact="total"></dd>
      </div>
      <div>
        <dt>${t('product.transaction_code')}</dt>
        <dd data-fact="transactionCode"></dd>
      </div>
    </dl>`;

  const password = form({
    id: 'password-form',
    submit: t('pay.password.submit'),
    className: 'plain',
    detailField: 'dynamicPassword',
    body: field({
      form: 'password',
      name: 'dynamicPassword',
      label: t('pay.password.label'),
      hint: t('pay.password.hint'),
      autocomplete: 'off',
    }),
  });

  // Nothing about the card is typed here: the provider's hosted checkout asks for it (after our
  // OTP in the full variant). The ATM account is the one the provider issued for this order.
  const atm = html`<div id="atm-account" hidden>
    <h3>${t('pay.atm.heading')}</h3>
    <p>${t('pay.atm.hint')}</p>
    <dl class="facts">
      <div>
        <dt>${t('pay.atm.bank_code')}</dt>
        <dd id="atm-bank-code"></dd>
      </div>
      <div>
        <dt>${t('pay.atm.account')}</dt>
        <dd id="atm-account-number"></dd>
      </div>
      <div>
        <dt>${t('pay.atm.amount')}</dt>
        <dd id="atm-amount"></dd>
      </div>
      <div>
        <dt>${t('pay.atm.expires')}</dt>
        <dd id="atm-expires"></dd>
      </div>
    </dl>
  </div>`;
  const card = form({
    id: 'card-form',
    submit: t('pay.card.submit'),
    className: 'plain',
    body: html`<h3>${t('pay.card.heading')}</h3>
      <p>${t('pay.card.hint')}</p>`,
  });
  const checkout = html`<p>${t('pay.checkout.hint')}</p>
    <p><a id="checkout-link" class="button-link" href="#">${t('pay.checkout.continue')}</a></p>`;

  const otp = html`${form({
    id: 'otp-form',
    submit: t('pay.otp.submit'),
    detailField: 'otp',
    className: 'plain',
    body: field({
      form: 'otp',
      name: 'otp',
      label: t('pay.otp.label'),
      hint: t('pay.otp.hint'),
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      maxlength: 6,
    }),
  })}${form({ id: 'resend-form', submit: t('pay.otp.resend'), className: 'plain secondary' })}`;

  const progress = html`<ol class="stages">
      <li data-stage="one"><span class="stage-name">${t('progress.stage_one')}</span> <span class="stage-status"></span></li>
      <li data-stage="decision"><span class="stage-name">${t('progress.decision')}</span> <span class="stage-status"></span></li>
      <li data-stage="two"><span class="stage-name">${t('progress.stage_two')}</span> <span class="stage-status"></span></li>
    </ol>
    <p id="deadline" hidden></p>
    <p id="countdown" role="timer" aria-live="off" hidden></p>
    <p id="progress-outcome" class="outcome" hidden></p>
    <figure class="qr-figure">
      <img id="qr-image" alt="" width="200" height="200" />
      <figcaption>${t('progress.qr_caption')}</figcaption>
    </figure>
    <div id="decision-forms" hidden>
      ${form({ id: 'agree-form', submit: t('progress.agree'), className: 'plain' })}
      <div id="agree-confirm" role="alertdialog" aria-labelledby="agree-confirm-q" hidden>
        <p id="agree-confirm-q"></p>
        ${form({ id: 'agree-confirm-form', submit: t('progress.agree.confirm'), className: 'plain' })}
        <p><button type="button" id="agree-cancel" class="secondary">${t('progress.agree.cancel')}</button></p>
      </div>
      ${form({
        id: 'dispute-form',
        submit: t('progress.dispute.submit'),
        detailField: 'reason',
        className: 'plain secondary',
        body: field({
          form: 'dispute',
          name: 'reason',
          label: t('progress.dispute.reason'),
          hint: t('progress.dispute.hint'),
          multiline: true,
          maxlength: 1000,
        }),
      })}
    </div>`;

  return html`${notice()} ${section('password-step', t('pay.password.heading'), password)}
  ${section('summary', t('product.heading'), summary)}
  ${section(
    'payment-step',
    t('pay.info.heading'),
    html`<p id="payment-total" class="total"></p>
      <p id="payment-fee" hidden></p>
      <p id="payment-verification"></p>
      ${card} ${atm}`,
  )}
  ${section('otp-step', t('pay.otp.heading'), otp)} ${section('checkout-step', t('pay.checkout.heading'), checkout)}
  ${section('pending-step', null, html`<p class="busy">${t('pay.pending')}</p>`)} ${section('progress', t('progress.heading'), progress)}
  ${section(
    'transcript',
    t('transcript.heading'),
    html`<p class="hint">${t('transcript.hint')}</p>
      <p id="transcript-empty" hidden>${t('transcript.empty')}</p>
      <ol id="transcript-list" class="transcript"></ol>`,
  )}`;
}
