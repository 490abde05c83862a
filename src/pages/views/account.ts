import { html, type Html } from '../html';
import type { Translate } from '../i18n';
import { field, form, section, select } from './controls';
import { notice } from './notice';

/** The buyer's or seller's own account pages: wallet activation, phone binding, bank account. */

export function walletBody(t: Translate): Html {
  return html`${notice()}
    <p id="wallet-intro">${t('wallet.intro')}</p>
    <p id="wallet-state" class="state-line"></p>
    ${form({ id: 'request-form', submit: t('wallet.request.submit'), hidden: true })}
    ${form({
      id: 'code-form',
      submit: t('wallet.code.submit'),
      detailField: 'code',
      hidden: true,
      body: field({
        form: 'code',
        name: 'code',
        label: t('wallet.code.label'),
        hint: t('wallet.code.hint'),
        inputmode: 'numeric',
        autocomplete: 'one-time-code',
        maxlength: 6,
      }),
    })}
    ${walletMoney(t)}`;
}

/** Once the wallet is active: balance per currency, withdrawing to the bank account, and the movements. */
function walletMoney(t: Translate): Html {
  return html`${section(
    'balances',
    t('wallet.balances.heading'),
    html`<table class="money">
        <thead>
          <tr>
            <th scope="col">${t('wallet.balances.currency')}</th>
            <th scope="col">${t('wallet.balances.available')}</th>
            <th scope="col">${t('wallet.balances.held')}</th>
            <th scope="col">${t('wallet.balances.withdrawing')}</th>
          </tr>
        </thead>
        <tbody id="balance-rows"></tbody>
      </table>
      <p class="hint">${t('wallet.balances.hint')}</p>`,
  )}
  ${form({
    id: 'withdraw-form',
    submit: t('wallet.withdraw.submit'),
    detailField: 'amount',
    hidden: true,
    body: html`<h2 id="withdraw">${t('wallet.withdraw.heading')}</h2>
      ${select({ form: 'withdraw', name: 'currency', label: t('wallet.withdraw.currency'), options: [] })}
      ${field({ form: 'withdraw', name: 'amount', label: t('wallet.withdraw.amount'), hint: t('wallet.withdraw.hint'), inputmode: 'numeric', autocomplete: 'off' })}
      <p id="payout-status" class="state-line" role="status"></p>`,
  })}
  ${section(
    'movements',
    t('wallet.movements.heading'),
    html`<ul id="movement-list" class="queue"></ul>
      <p id="movements-empty" class="hint" hidden>${t('wallet.movements.empty')}</p>`,
  )}`;
}

export function phoneBody(t: Translate): Html {
  return html`${notice()}
    <p>${t('phone.intro')}</p>
    <p id="phone-state" class="state-line"></p>
    ${form({
      id: 'phone-form',
      submit: t('phone.submit'),
      detailField: 'phone',
      body: field({
        form: 'phone',
        name: 'phone',
        label: t('phone.label'),
        hint: t('phone.hint'),
        type: 'tel',
        inputmode: 'tel',
        autocomplete: 'tel',
      }),
    })}
    ${form({
      id: 'code-form',
      submit: t('phone.code.submit'),
      detailField: 'code',
      hidden: true,
      body: html`<p id="code-sent" class="state-line" role="status"></p>
        ${field({ form: 'phone-code', name: 'code', label: t('phone.code.label'), hint: t('phone.code.hint'), inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 })}`,
    })}`;
}

export function bankBody(t: Translate): Html {
  const f = (name: string, label: string, hint?: string, extra: Partial<Parameters<typeof field>[0]> = {}) =>
    field({ form: 'bank', name, label, hint, ...extra });
  return html`${notice()}
    <p>${t('bank.intro')}</p>
    ${form({
      id: 'bank-form',
      submit: t('bank.submit'),
      body: html`${select({
        form: 'bank',
        name: 'role',
        label: t('bank.role'),
        options: [
          { value: 'seller', label: t('bank.role.seller') },
          { value: 'buyer', label: t('bank.role.buyer') },
        ],
      })}
      ${f('bankCode', t('bank.bank_code'), t('bank.bank_code.hint'), { inputmode: 'numeric', maxlength: 3 })}
      ${f('accountNumber', t('bank.account_number'), t('bank.account_number.hint'), { inputmode: 'numeric', maxlength: 16, autocomplete: 'off' })}
      ${f('holderName', t('bank.holder_name'), undefined, { autocomplete: 'name' })}
      ${f('verificationCode', t('bank.verification_code'), t('bank.verification_code.hint'), { autocomplete: 'off', maxlength: 12 })}`,
    })}
    ${section(
      'bank-result',
      t('bank.success'),
      html`<p id="receiving-code" class="big-code"></p>
        <p id="receiving-account"></p>`,
    )}`;
}

export function trackBody(t: Translate): Html {
  return html`${notice()}
    <p class="busy">${t('loading')}</p>`;
}

/** "My deals": every deal the user sold or bought, newest first, each opening its page. */
export function dealsBody(t: Translate): Html {
  return html`${notice()}
    <p>${t('deals.intro')}</p>
    <p class="busy" id="deals-loading">${t('loading')}</p>
    <ul id="deal-list" class="deal-list"></ul>
    <p id="deals-empty" hidden>${t('deals.empty')}</p>
    <p><a class="button-link secondary" id="to-wallet" href="/pages/wallet">${t('deals.to_wallet')}</a></p>`;
}
