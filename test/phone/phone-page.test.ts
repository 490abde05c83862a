import type { Browser, Page } from 'playwright-core';
import type { DealHarness } from '../support/deal-harness';
import { bindPhone, smsCodeSentTo, uniquePhone } from '../support/deal-steps';
import { collectPageErrors, describeWithChromium, expectText, phoneContext, screenshot, unlabelledControls } from '../pages/browser';
import { pagesSuite, type PagesSite } from '../pages/site';

/** The phone page walks a person through number → texted code, in both languages, in a phone-sized chromium. */
describeWithChromium('the phone binding page', () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  pagesSuite((started) => ({ h, site, browser } = started));

  async function open(token: string, query = ''): Promise<{ page: Page; errors: string[] }> {
    const page = await (await phoneContext(browser, token)).newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${site.baseUrl}/pages/phone${query}`);
    await page.waitForLoadState('networkidle');
    return { page, errors };
  }
  const bindingsOf = async (userId: string) => h.knex('phone_bindings').where({ user_id: userId });

  it('English: a bad number, then a code sent, a wrong code, a reload, the right code: bound', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    const { page, errors } = await open(buyer.token, '?lang=en&order=0000000000000000000000000A');
    expect(await unlabelledControls(page)).toEqual([]);
    const number = page.getByRole('textbox', { name: 'Mobile number', exact: true });
    const code = page.getByRole('textbox', { name: 'Code from the text message', exact: true });

    await number.fill('call me');
    await page.getByRole('button', { name: 'Send code' }).click();
    await expectText(page, '#phone-phone-error', /^Enter a valid mobile number/);
    expect(await page.getAttribute('#phone-phone', 'aria-invalid')).toBe('true');

    await number.fill(phone);
    await page.getByRole('button', { name: 'Send code' }).click();
    await expectText(page, '#code-sent', /^We texted a code to \+886\*{4}\d{4}\. Enter it before .+\.$/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('phone-code-code');
    await screenshot(page, 'phone-code-sent-en');
    expect(await bindingsOf(buyer.userId)).toEqual([]);

    const texted = await smsCodeSentTo(h, phone);
    await code.fill(texted === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Bind this number' }).click();
    await expectText(page, '#phone-code-code-error', /^Wrong code\. 4 tries left\.$/);
    await screenshot(page, 'phone-wrong-code-en');

    // A reload finds the code still waiting.
    await page.reload();
    await expectText(page, '#code-sent', /^We texted a code to \+886\*{4}/);
    await page.getByRole('textbox', { name: 'Code from the text message', exact: true }).fill(texted);
    await page.getByRole('button', { name: 'Bind this number' }).click();
    await expectText(page, '#notice', /^Bound phone number \+886\*{4}\d{4}\./);
    await expectText(page, '#phone-state', /^Your bound number: \+886\*{4}\d{4}$/);
    expect(await page.isHidden('#code-form')).toBe(true);
    expect(await page.getAttribute('#notice [data-notice-link]', 'href')).toBe('/pages/pay/0000000000000000000000000A?lang=en');
    await screenshot(page, 'phone-bound-en');
    expect(await bindingsOf(buyer.userId)).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('Traditional Chinese: binds with the texted code; past the rebinding cap it says why and until when', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    const { page, errors } = await open(buyer.token);
    await page.getByRole('textbox', { name: '手機號碼', exact: true }).fill(phone);
    await page.getByRole('button', { name: '傳送驗證碼' }).click();
    await expectText(page, '#code-sent', /^驗證碼已用簡訊傳送到 \+886\*{4}\d{4},請在 .+ 前輸入。$/);
    await screenshot(page, 'phone-code-sent-zh');
    await page.getByRole('textbox', { name: '簡訊驗證碼', exact: true }).fill(await smsCodeSentTo(h, phone));
    await page.getByRole('button', { name: '完成綁定' }).click();
    await expectText(page, '#notice', /^已綁定手機號碼 \+886\*{4}\d{4}。$/);
    await screenshot(page, 'phone-bound-zh');

    // Two more numbers reach the cap (three per 30 days); the page explains a fourth.
    await bindPhone(h, buyer);
    await bindPhone(h, buyer);
    await page.reload();
    await page.getByRole('textbox', { name: '手機號碼', exact: true }).fill(uniquePhone());
    await page.getByRole('button', { name: '傳送驗證碼' }).click();
    await expectText(page, '#phone-form [data-form-error]', /^您在 30 天內已綁定 3 支號碼,已達上限。.+ 後才能再更換。$/);
    await screenshot(page, 'phone-limit-zh');
    expect(await bindingsOf(buyer.userId)).toHaveLength(3);
    expect(errors).toEqual([]);
  });
});
