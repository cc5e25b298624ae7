import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { bucketOf, idFor, parseId } from '../codes.js';
import type { Config } from '../config.js';
import { AT, CH, compactOf, metadataOf, recordOf, type CompactRecord } from './record.js';
import { createRedisClient, DEFAULT_KEY_PREFIX } from './redis-client.js';
import { RedisKeyspace, script, type Reply } from './redis-keyspace.js';

// The client factory lives in redis-client.ts; re-exported for modules that import it here.
export { createRedisClient } from './redis-client.js';
import {
  rulesFromConfig,
  type BeginSendResult,
  type CheckResult,
  type CreateResult,
  type DeliveryUpdate,
  type NewVerification,
  type NotThere,
  type SendPlan,
  type StoreRules,
  type VerificationStore,
} from './types.js';

// The production store: every read-modify-write is one Lua script (scripts/*.lua), so many
// service instances can share one Redis without races. A phone's verifications and limits
// live in one key (common.lua), the abuse guard's counters under one hash tag (guard.lua).

const COMMON = script('common');
const DOC_SCRIPTS = ['start', 'read', 'check', 'find', 'begin_send', 'deliver', 'cancel'] as const;

export class RedisStore extends RedisKeyspace implements VerificationStore {
  readonly kind = 'redis' as const;
  /** Each script's command name: the rules are part of its text, so stores with other rules on one client get their own. */
  private readonly commands: Record<(typeof DOC_SCRIPTS)[number], string>;

  constructor(
    redis: Redis | Cluster,
    private readonly secret: string,
    rules: StoreRules,
    prefix = DEFAULT_KEY_PREFIX,
  ) {
    super(redis, rules, prefix);
    const common = withRules(COMMON, rules);
    const suffix = createHash('sha1').update(common).digest('hex').slice(0, 8);
    this.commands = Object.fromEntries(DOC_SCRIPTS.map((name) => [name, `otp_${name}_${suffix}`])) as typeof this.commands;
    for (const name of DOC_SCRIPTS) redis.defineCommand(this.commands[name], { numberOfKeys: 1, lua: `${common}\n${script(name)}` });
  }

  static fromConfig(config: Config, prefix?: string): RedisStore {
    return new RedisStore(createRedisClient(config), config.CODE_HMAC_SECRET, rulesFromConfig(config), prefix);
  }

  /** The phone's document: the bucket is the Cluster hash tag, shared by many numbers. */
  private docKey(tag: string) {
    return `${this.prefix}{${bucketOf(tag)}}:${tag}`;
  }

  private doc(name: (typeof DOC_SCRIPTS)[number], tag: string, now: number, ...args: (string | number)[]): Promise<Reply> {
    return this.run(() => this.r[this.commands[name]](this.docKey(tag), now, ...args));
  }

  private rec(id: string, json: string) {
    const c = JSON.parse(json) as CompactRecord;
    return { record: recordOf(id, c, this.rules), metadata: metadataOf(c) };
  }

  private notThere(id: string, res: Reply): NotThere {
    if (res[0] !== 'not_pending') return { ok: false, reason: 'not_found' };
    const s = this.rec(id, res[1]);
    return { ok: false, reason: 'not_pending', status: s.record.status, expired: res[2] === '1', ...s };
  }

  async create(v: NewVerification, now: number): Promise<CreateResult> {
    const { tag, nonce } = parseId(this.secret, v.id)!;
    const res = await this.doc('start', tag, now, nonce, JSON.stringify(compactOf(v, this.rules, now)), v.unlimited ? '1' : '0');
    if (res[0] !== 'ok') return refusal(res);
    const expired = [];
    for (let i = 3; i < res.length; i += 2) expired.push(this.rec(idFor(this.secret, tag, res[i]), res[i + 1]));
    return {
      ok: true,
      record: recordOf(v.id, compactOf(v, this.rules, now), this.rules),
      ...(res[1] ? { superseded: this.rec(idFor(this.secret, tag, res[1]), res[2]) } : {}),
      expired,
    };
  }

  async read(id: string, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return undefined;
    const res = await this.doc('read', p.tag, now, p.nonce);
    if (res[0] !== 'ok') return undefined;
    return { ...this.rec(id, res[1]), expired: res[2] === '1' };
  }

  async pendingId(clientId: string, tag: string, now: number) {
    const res = await this.doc('find', tag, now, 'pending', clientId);
    return res[0] ? idFor(this.secret, tag, res[0]) : undefined;
  }

  async flashCallId(tag: string, now: number) {
    const res = await this.doc('find', tag, now, 'flash');
    return { id: res[0] ? idFor(this.secret, tag, res[0]) : undefined, limited: res[1] === 'limited' };
  }

  async check(id: string, clientId: string, guess: { hmac: string; length: number }, mode: 'check' | 'lookup', now: number): Promise<CheckResult> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    const res = await this.doc('check', p.tag, now, p.nonce, clientId, guess.hmac, mode, guess.length);
    if (res[0] === 'bad_length') return { ok: false, reason: 'bad_length', codeLength: Number(res[1]) };
    if (res[0] === 'approved' || res[0] === 'wrong' || res[0] === 'match') return { ok: true, outcome: res[0], ...this.rec(id, res[1]) };
    if (res[0] === 'rate_limited') return { ok: false, reason: 'rate_limited', retryAfterMs: Math.max(Number(res[1]), 1) };
    return this.notThere(id, res);
  }

  async beginSend(id: string, clientId: string, plan: SendPlan, now: number): Promise<BeginSendResult> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    const res = await this.doc(
      'begin_send',
      p.tag,
      now,
      p.nonce,
      clientId,
      plan.mode,
      plan.fromStep ?? -1,
      CH.short[plan.channel],
      plan.provider,
      plan.unlimited ? '1' : '0',
      plan.toStep ?? -1,
    );
    if (res[0] === 'ok') return { ok: true, ...this.rec(id, res[1]), attemptIndex: Number(res[2]) };
    if (res[0] === 'stale') return { ok: false, reason: 'stale' };
    if (res[0] === 'not_found' || res[0] === 'not_pending') return this.notThere(id, res);
    return refusal(res);
  }

  async applyDelivery(id: string, attemptIndex: number, u: DeliveryUpdate, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return undefined;
    const res = await this.doc(
      'deliver',
      p.tag,
      now,
      p.nonce,
      attemptIndex,
      AT.short[u.status],
      u.providerRef ?? '',
      u.provider ?? '',
      u.code?.hmac ?? '',
      u.code?.length ?? 0,
      u.code?.expiresAt ?? 0,
      u.failVerification ? '1' : '0',
    );
    if (res[0] !== 'ok') return undefined;
    return { ...this.rec(id, res[1]), changed: res[2] === '1', committed: res[3] === '1', failed: res[4] === '1', expired: res[5] === '1' };
  }

  async cancel(id: string, clientId: string, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false as const, reason: 'not_found' as const };
    const res = await this.doc('cancel', p.tag, now, p.nonce, clientId);
    if (res[0] === 'ok') return { ok: true as const, ...this.rec(id, res[1]) };
    return this.notThere(id, res);
  }
}

/** common.lua with the rules written in as numbers (each a finite number, so nothing else can get into the script). */
function withRules(lua: string, rules: StoreRules): string {
  return lua.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = rules[name as keyof StoreRules];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`store rule ${name} must be a number`);
    return String(v);
  });
}

function refusal(res: Reply) {
  if (res[0] === 'max_sends_reached') return { ok: false as const, reason: 'max_sends_reached' as const };
  return {
    ok: false as const,
    reason: res[0] as 'resend_too_soon' | 'rate_limited',
    retryAfterMs: Math.max(Number(res[1]), 1),
  };
}
