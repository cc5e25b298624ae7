import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { censorSecrets } from '../../src/log-censor.js';
import { createLogger } from '../../src/logger.js';

// Secrets in objects logged by mistake are censored; everything else passes untouched.

describe('log censor', () => {
  it('censors passwords, secrets, API keys and Authorization headers where they are looked for', () => {
    const given = {
      password: 'p',
      secret: 's',
      apiKey: 'k',
      provider: { password: 'p2', secret: 's2', apiKey: 'k2', login: 'me' },
      headers: { authorization: 'Bearer x', accept: '*/*' },
      req: { headers: { authorization: 'Bearer y', host: 'h' }, method: 'GET' },
      count: 3,
    };
    const copy = structuredClone(given);
    expect(censorSecrets(given)).toEqual({
      password: '[redacted]',
      secret: '[redacted]',
      apiKey: '[redacted]',
      provider: { password: '[redacted]', secret: '[redacted]', apiKey: '[redacted]', login: 'me' },
      headers: { authorization: '[redacted]', accept: '*/*' },
      req: { headers: { authorization: '[redacted]', host: 'h' }, method: 'GET' },
      count: 3,
    });
    expect(given).toEqual(copy); // the caller's object is never changed
  });

  it('returns an object without secrets as it is', () => {
    const o = { verificationId: 'vf_1', to: '+7916***4567', nested: { a: 1 }, list: [{ password: 'not looked into' }] };
    expect(censorSecrets(o)).toBe(o);
  });

  it('is what the service logger writes', () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
    createLogger({ LOG_LEVEL: 'info' }, sink).info({ provider: { password: 'hunter2' } }, 'oops');
    expect(out).toContain('"password":"[redacted]"');
    expect(out).not.toContain('hunter2');
  });
});
