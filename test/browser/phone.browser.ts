import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../examples/signup/stack.js';
import { closeBrowserStack, openBrowserStack, randomPhone as phone, screenshot } from './browser.js';

// The virtual phone page itself, in a real browser: a flash call shows the number that rang
// with its last four digits marked, "Call back" shows and speaks the robot's answer, the
// newest activity comes first, and a click copies the code.

let stack: Stack;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  ({ stack, browser, context } = await openBrowserStack());
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.otpgateUrl });
  // What the page asks the browser to say (headless Chromium has no voice to hear).
  await context.addInitScript(() => {
    const spoken: { text: string; lang: string }[] = [];
    Object.assign(window, { spoken });
    window.speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void spoken.push({ text: u.text, lang: u.lang });
  });
});

afterAll(() => closeBrowserStack({ browser, stack }));

async function start(to: string, channel: string, locale: string) {
  const res = await fetch(`${stack.otpgateUrl}/v1/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
    body: JSON.stringify({ to, channel, locale }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string };
}

describe('virtual phone page', () => {
  it('marks the flash call\'s last four digits, plays the call-back robot, shows the newest first, copies the code', async () => {
    const page = await context.newPage();
    await page.goto(`${stack.otpgateUrl}/dev/phone`);
    await page.locator('#status.live').waitFor();

    const [caller, other] = [phone(), phone()];
    await start(caller, 'flash_call', 'en');
    const flash = page.locator(`section[data-phone="${caller}"] article[data-kind=flash_call]`);
    await flash.waitFor();
    const code = (await flash.locator('[data-testid=code]').textContent())!.trim();
    expect(code).toMatch(/^\d{4}$/);
    const rang = (await flash.locator('[data-testid=caller]').textContent())!;
    expect(await flash.locator('[data-testid=caller] mark').textContent()).toBe(code);
    expect(rang.endsWith(code)).toBe(true);

    // Another phone's SMS arrives later: its phone moves to the top.
    await start(other, 'sms', 'en');
    await page.locator(`section[data-phone="${other}"]`).waitFor();
    expect(await page.locator('section.phone').first().getAttribute('data-phone')).toBe(other);

    // Call back: the robot's answer is shown on top of that phone's entries and spoken.
    await flash.locator('[data-testid=call-back]').click();
    const robot = page.locator(`section[data-phone="${caller}"] article`).first();
    await expect.poll(() => robot.getAttribute('data-kind')).toBe('robot');
    const said = (await robot.locator('[data-testid=robot-text]').textContent())!;
    expect(said).toContain(code.split('').join(', '));
    expect(await robot.locator('[data-testid=caller]').textContent()).toBe(rang);
    await expect.poll(() => page.evaluate(() => (window as unknown as { spoken: { text: string }[] }).spoken)).toEqual([
      { text: said, lang: 'en-US' },
    ]);
    expect(await page.locator('section.phone').first().getAttribute('data-phone')).toBe(caller);
    await screenshot(page, 'phone-1-call-back');

    // A click on the code copies it.
    await flash.locator('[data-testid=code]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    expect(await flash.locator('[data-testid=code]').getAttribute('class')).toContain('copied');
    await page.close();
  });
});
