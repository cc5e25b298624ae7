import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { HttpClient } from '../../src/channels/http.js';
import { SmsTrafficProvider, type SmsTrafficOptions } from '../../src/channels/smstraffic.js';
import { startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { deliveryRequest } from './adapters.js';

// The SMS Traffic adapter's fixture (test/channels/smstraffic*.test.ts): a main and a reserve
// fake host, fresh for each test, and an HTTP client with short timeouts.

export const PASSWORD = 'secret';

/** Registers starting and closing the hosts around each test; `main`, `reserve` and `http` are
 *  the current test's (read them through the returned object, not destructured). */
export function smsTrafficFixture() {
  let main: FakeSmsTraffic;
  let reserve: FakeSmsTraffic;
  let http: HttpClient;

  beforeEach(async () => {
    main = await startFakeSmsTraffic({ login: 'acme', password: PASSWORD });
    reserve = await startFakeSmsTraffic({ login: 'acme', password: PASSWORD });
    http = new HttpClient({ connectTimeoutMs: 200, timeoutMs: 300 });
  });

  afterEach(async () => {
    await http.close();
    await main.close();
    await reserve.close();
  });

  /** A provider of the two hosts, with `over` replacing any option. */
  const provider = (over: Partial<SmsTrafficOptions> = {}) =>
    new SmsTrafficProvider({
      url: main.url,
      reserveUrl: reserve.url,
      login: 'acme',
      password: PASSWORD,
      originator: 'Otpgate',
      http,
      log: pino({ level: 'silent' }),
      ...over,
    });

  const request = (over: Parameters<typeof deliveryRequest>[0] = {}) => deliveryRequest({ code: '123456', locale: 'ru', ...over });

  return {
    get main() {
      return main;
    },
    get reserve() {
      return reserve;
    },
    get http() {
      return http;
    },
    provider,
    request,
  };
}
