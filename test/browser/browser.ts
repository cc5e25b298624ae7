import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack } from '../../examples/signup/stack.js';

// Debian's chromium package drives the tests (Playwright's own browser download is not used).

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in CI containers has no user namespace for the sandbox; /dev/shm is small there.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A number no other test uses. */
export const randomPhone = () => `+7916${String(randomInt(1_000_000, 9_999_999))}`;

export interface BrowserStack {
  stack: Stack;
  browser: Browser;
  context: BrowserContext;
}

/** The sign-up example's stack (otpgate with console providers, and its backend) and a browser context. */
export async function openBrowserStack(): Promise<BrowserStack> {
  const stack = await startStack({ otpgatePort: 0, signupPort: 0, logStream: new PassThrough().resume(), env: { LOG_LEVEL: 'warn' } });
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  return { stack, browser, context };
}

export async function closeBrowserStack(s: Partial<BrowserStack>) {
  await s.browser?.close();
  await s.stack?.close();
}
