import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

// What `npm run bench` and `npm run bench:compare` share: how otpgate is run under load (its
// settings, its core) and what is sent to it.

export const API_KEY = randomBytes(24).toString('hex');
export const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

/**
 * Pins this process (and the redis-server it starts, which inherits the mask) to CPU 0 where
 * there are two cores and `taskset`; `onServerCore` then starts a server on CPU 1. Without
 * pinning, the kernel places them.
 */
export function pinBench(wanted: boolean) {
  const pinned =
    wanted && cpus().length >= 2 && spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' }).status === 0;
  const onServerCore = (command: string, argv: string[]): [string, string[]] => (pinned ? ['taskset', ['-c', '1', command, ...argv]] : [command, argv]);
  return { pinned, onServerCore };
}

/**
 * otpgate's environment as a new user would start it (`npm start` in a directory without a
 * .env: LOG_LEVEL=info, console providers), with the limits that would refuse a load test lifted.
 */
export function otpgateEnv(port: number, redisUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    REDIS_URL: redisUrl,
    API_KEYS: `bench:${API_KEY}`,
    CODE_HMAC_SECRET: randomBytes(32).toString('hex'),
    RESEND_COOLDOWN_SECONDS: '0',
    MAX_CHECK_ATTEMPTS: '100',
    PHONE_SEND_LIMIT: '100000',
    IP_SEND_LIMIT: '1000000',
    CLIENT_RATE_LIMIT: '10000000',
    PHONE_FAILURE_LIMIT: '1000000',
    PUMPING_MIN_SENDS: '1000000',
    PUMPING_MIN_CONVERSION: '0',
  };
}

/** Distinct valid Russian mobile numbers, random, never repeated in a run (a repeat would cancel the first). */
const used = new Set<string>();
function randomPhone(): string {
  for (;;) {
    const p = `+7916${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    if (!used.has(p)) return used.add(p), p;
  }
}
export const startBody = () => ({ body: JSON.stringify({ to: randomPhone(), channel: 'sms' }) });
export const collectIds = (into: string[]) => (status: number, body: string) => {
  if (status === 201) into.push((JSON.parse(body) as { id: string }).id);
};

/** The codes the console provider wrote to otpgate's log, by verification id. */
export function codesFromLog(logFile: string): Map<string, string> {
  const codes = new Map<string, string>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('console-provider')) continue;
    const { verificationId, code } = JSON.parse(line) as { verificationId: string; code: string };
    codes.set(verificationId, code);
  }
  return codes;
}

/** Round robin over ids, each with a wrong code (`codeOf` the right one, when known). */
export function wrongChecks(ids: string[], codeOf: (id: string) => string | undefined) {
  let n = 0;
  return () => {
    const id = ids[n++ % ids.length];
    const right = codeOf(id);
    const code = right ? right.slice(0, -1) + String((Number(right.at(-1)) + 1) % 10) : String(randomInt(100000, 1000000));
    return { body: JSON.stringify({ id, code }) };
  };
}

/** Round robin reads of ids. */
export function reads(ids: string[]) {
  let n = 0;
  return () => ({ path: `/v1/verifications/${ids[n++ % ids.length]}` });
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
