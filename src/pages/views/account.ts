import { html, type Html } from '../html';
import type { Translate } from '../i18n';
import { field, form, section, select } from './controls';
import { notice } from './notice';

/** The buyer's or seller's own account pages: wallet activation, phone binding, bank account. */

export function walletBody(t: Translate): Html {
  return html`${notice()}
    <p>${t('wallet.intro')}</p>
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
    })}`;
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
