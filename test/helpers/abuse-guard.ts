import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, inject, vi } from 'vitest';
import { testConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { parsePhone, type Phone } from '../../src/phone.js';
import { AbuseGuard, ipTag } from '../../src/services/abuse-guard.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { rulesFromConfig, type VerificationStore } from '../../src/store/types.js';

// The abuse guard's test fixture, against either store. Time moves through the `now` argument
// only; Redis tests use a key prefix of their own on the shared test Redis.

export const url = inject('redisUrl');
export const SECRET = 'abuse-guard-test-secret-0123456789abcdef';
export const T0 = Date.now();
export const SECOND = 1000;
export const HOUR = 3600 * SECOND;

export const phone = (e164: string): Phone => parsePhone(e164, 'RU');
/** Distinct numbers of one destination prefix. */
export const mts = (i: number) => phone(`+7916${1_000_000 + i}`); // prefix +7916
export const megafon = (i: number) => phone(`+7925${1_000_000 + i}`); // prefix +7925

export async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal, the send was allowed');
}

/** The guard's store steps answer after a random number of event-loop turns: calls issued
 *  together interleave as they would between instances (or reorder, as a lost reply might). */
export function jittery(store: VerificationStore): VerificationStore {
  const pause = async () => {
    for (let i = Math.floor(Math.random() * 4); i > 0; i--) await new Promise((r) => setImmediate(r));
  };
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'guardTake' && prop !== 'guardRelease') return value.bind(target);
      return async (...args: unknown[]) => {
        await pause();
        return value.apply(target, args);
      };
    },
  });
}

/** Registers the per-test key space and store clean-up; answers the fixture's builders. */
export function guardFixture(kind: 'embedded' | 'redis') {
  let space: string;
  const opened: VerificationStore[] = [];

  beforeEach(() => {
    space = `abuse-test:${randomBytes(6).toString('hex')}:`;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  /** A new store; for Redis a new connection to this test's key space. */
  function openStore(): VerificationStore {
    const rules = rulesFromConfig(testConfig());
    const store = kind === 'redis' ? new RedisStore(new Redis(url), SECRET, rules, space) : new EmbeddedStore(SECRET, rules);
    opened.push(store);
    return store;
  }

  function guardOn(store: VerificationStore, env: Record<string, string>) {
    const log = { warn: vi.fn() };
    const config = testConfig(env);
    const guard = new AbuseGuard({ config, store, log });
    const send = async (p: Phone, clientIp?: string, now = T0) =>
      guard.beforeSend({ phone: p, ipTag: clientIp === undefined ? undefined : ipTag(config.CODE_HMAC_SECRET, clientIp), now });
    return { guard, send, log };
  }

  /** A guard, and `sibling()`: another instance sharing its store (Redis: another connection). */
  function setup(env: Record<string, string> = {}) {
    const store = openStore();
    const sibling = () => guardOn(kind === 'redis' ? openStore() : store, env);
    return { store, sibling, ...guardOn(store, env) };
  }

  return { openStore, guardOn, setup, space: () => space };
}
