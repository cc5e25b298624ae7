import { makeApp, type TestApp, type TestAppOptions } from './app.js';
import { startReceiver, TEST_WEBHOOK_SECRET, type Answer, type ReceivedHook, type Receiver } from '../fakes/webhook-receiver.js';

// Apps wired to a loopback webhook receiver, with a fast retry schedule.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 8000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface HookedApp extends TestApp {
  receiver: Receiver;
}

export async function hookedApp(
  opts: TestAppOptions & { answer?: (n: number, hook: ReceivedHook) => Answer; receiver?: Receiver },
): Promise<HookedApp> {
  const receiver = opts.receiver ?? (await startReceiver(TEST_WEBHOOK_SECRET, opts.answer));
  const t = await makeApp({
    ...opts,
    env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, WEBHOOK_RETRY_SCHEDULE: '0.05s,0.05s,0.05s', ...opts.env },
    webhookTuning: { jitter: 0, expiryMarginMs: 200, ...opts.webhookTuning },
  });
  return {
    ...t,
    receiver,
    close: async () => {
      await t.close();
      if (!opts.receiver) await receiver.close();
    },
  };
}
