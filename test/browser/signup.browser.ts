import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../examples/signup/stack.js';
import { closeBrowserStack, openBrowserStack, randomPhone as phone, SCREENSHOTS, screenshot } from './browser.js';

// The sign-up example in a real browser, with the code read from the virtual phone, in each
// language; a wrong code and "Send again" inside the cooldown; Swagger UI's "Try it out".

let stack: Stack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  ({ stack, browser, context } = await openBrowserStack());
  console.log(`screenshots: ${SCREENSHOTS}`);
});

afterAll(() => closeBrowserStack({ browser, stack }));

/** The newest code the virtual phone shows for a number. */
async function codeFromPhone(phonePage: Page, number: string): Promise<string> {
  const code = phonePage.locator(`section[data-phone="${number}"] [data-testid=code]`).first();
  await code.waitFor({ timeout: 10_000 });
  return (await code.textContent())!.trim();
}

async function fillForm(page: Page, locale: string, number: string) {
  await page.goto(stack.signupUrl);
  await page.selectOption('#locale', locale);
  await page.fill('#name', 'Ana Silva');
  await page.fill('#email', 'ana@example.com');
  await page.fill('#phone', number);
  await page.fill('#password', 'correct horse');
}

const TEXTS = {
  en: { getCode: 'Get code', done: 'Phone confirmed', account: 'Your account' },
  ru: { getCode: 'Получить код', done: 'Телефон подтверждён', account: 'Ваш аккаунт' },
  pt: { getCode: 'Receber código', done: 'Telefone confirmado', account: 'Sua conta' },
} as const;

describe('sign-up example', () => {
  for (const locale of ['en', 'ru', 'pt'] as const) {
    it(`completes sign-up in ${locale} with the code from the virtual phone`, async () => {
      const number = phone();
      const page = await context.newPage();
      const phonePage = await context.newPage();
      await phonePage.goto(`${stack.otpgateUrl}/dev/phone`);
      await phonePage.locator('#status.live').waitFor();

      await fillForm(page, locale, number);
      await expect.poll(() => page.textContent('#get-code')).toBe(TEXTS[locale].getCode);
      await screenshot(page, `signup-${locale}-1-form`);
      await page.click('#get-code');
      await page.locator('#step-code').waitFor();

      const code = await codeFromPhone(phonePage, number);
      expect(code).toMatch(/^\d{6}$/);
      // The SMS on the phone is in the chosen language, from the configured sender.
      const sms = await phonePage.locator(`section[data-phone="${number}"] [data-testid=text]`).first().textContent();
      expect(sms).toContain(code);
      expect(sms).toContain({ en: 'Your verification code', ru: 'Код подтверждения', pt: 'Seu código' }[locale]);
      // The sender name is the example's default (SIGNUP_SENDER unset).
      expect(await phonePage.locator(`section[data-phone="${number}"] article .meta`).first().textContent()).toContain('from Originator');
      await screenshot(phonePage, `signup-${locale}-2-phone`);

      await page.fill('#code', code);
      await screenshot(page, `signup-${locale}-3-code`);
      await page.click('#confirm');
      await page.locator('#step-done').waitFor();
      expect(await page.textContent('#step-done h1')).toBe(TEXTS[locale].done);
      await screenshot(page, `signup-${locale}-4-confirmed`);
      await page.click('#continue');
      await page.locator('#step-account').waitFor();
      expect(await page.textContent('#step-account h1')).toBe(TEXTS[locale].account);
      expect(await page.textContent('[data-field=phone]')).toBe(number);
      await screenshot(page, `signup-${locale}-5-account`);
      await page.close();
      await phonePage.close();
    });
  }

  it('says a wrong code is wrong with the checks left, and Send again waits for the cooldown', async () => {
    const number = phone();
    const page = await context.newPage();
    const phonePage = await context.newPage();
    await phonePage.goto(`${stack.otpgateUrl}/dev/phone`);
    await fillForm(page, 'en', number);
    await page.click('#get-code');
    await page.locator('#step-code').waitFor();
    const code = await codeFromPhone(phonePage, number);

    await page.fill('#code', code === '000000' ? '111111' : '000000');
    await page.click('#confirm');
    await expect.poll(() => page.textContent('#code-error')).toBe('Wrong code. 4 checks left.');
    // Inside the cooldown the button counts down and is disabled.
    expect(await page.isDisabled('#resend')).toBe(true);
    expect(await page.textContent('#resend')).toMatch(/^Send again in \d+ s$/);
    await screenshot(page, 'signup-wrong-code');

    // The right code still works after a wrong one.
    await page.fill('#code', code);
    await page.click('#confirm');
    await page.locator('#step-done').waitFor();
  });

  it('Swagger UI loads at /docs and "Try it out" on start answers 201 with the prefilled example', async () => {
    const page = await context.newPage();
    await page.goto(`${stack.otpgateUrl}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.textContent('.swagger-ui .info .title')).toContain('otpgate');
    await screenshot(page, 'swagger-1-loaded');

    // The service has API keys: authorize the way a developer would.
    await page.click('button.authorize');
    await page.fill('.auth-container input', stack.apiKey ?? '');
    await page.click('.auth-btn-wrapper button.authorize');
    await page.click('.auth-btn-wrapper button.btn-done');

    const op = page.locator('#operations-verifications-startVerification');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())!.trim()).toMatch(/^201/);
    await screenshot(page, 'swagger-2-try-it-out');
  });
});
