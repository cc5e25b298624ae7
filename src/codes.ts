import { createHmac, createSecretKey, hash, randomBytes, randomInt, type KeyObject } from 'node:crypto';

// Code material and ids. Codes come from crypto.randomInt and are stored only as an HMAC bound
// to the verification id; the stored HMAC is compared inside the store's atomic check (the
// caller controls the code, never the HMAC bytes, so comparing there leaks nothing useful).

/** HMAC keys made once per secret (a string key is turned into one on every call). */
const keys = new Map<string, KeyObject>();
function hmac(secret: string) {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return createHmac('sha256', key);
}

export function generateCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** 128 bits of HMAC-SHA256 over id and code, base64url: compact, and far beyond guessing. */
export function codeHmac(secret: string, verificationId: string, code: string): string {
  // The id is part of the MAC input, so a stored HMAC cannot be replayed on another verification.
  return hmac(secret).update(`${verificationId}\x00${code}`).digest().subarray(0, 16).toString('base64url');
}

/**
 * A caller-given secret (API key, callback token) as a fixed-length digest, so that
 * timingSafeEqual can compare it with the expected one whatever its length.
 */
export const secretDigest = (s: string) => hash('sha256', s, 'buffer');

/** Keyed hash of a phone number for Redis key names: no raw number ever appears in a key. */
export function phoneTag(secret: string, e164: string): string {
  return hmac(secret).update(`phone-key\x00${e164}`).digest('hex').slice(0, 16);
}

/** The Cluster slot part of a phone's keys: 12 bits of its tag, shared by many numbers. */
export const bucketOf = (tag: string) => tag.slice(0, 3);

// An id is vf_ + bucket (3 hex) + nonce (16 hex) + the phone tag masked under the nonce
// (16 hex). The store finds the phone's document from the id alone, yet two ids of one number
// share nothing but the bucket, so ids cannot be linked across clients or log lines.
const ID_RE = /^vf_([0-9a-f]{3})([0-9a-f]{16})([0-9a-f]{16})$/;

const mask = (secret: string, nonce: string) =>
  hmac(secret).update(`id-mask\x00${nonce}`).digest().subarray(0, 8);

function xorHex(hex: string, pad: Buffer): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < b.length; i++) b[i] ^= pad[i];
  return b.toString('hex');
}

/** The id of the phone tag's verification stored under this nonce. */
export const idFor = (secret: string, tag: string, nonce: string) => `vf_${bucketOf(tag)}${nonce}${xorHex(tag, mask(secret, nonce))}`;

// Nonces come from a pool of CSPRNG bytes drawn 4 KB at a time: a randomBytes call per id cost
// ~2 µs of a start. Each byte is handed out once.
let pool = Buffer.alloc(0);
let used = 0;
function nonce(): string {
  if (used + 8 > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += 8;
  return pool.toString('hex', used - 8, used);
}

type ParsedId = Readonly<{ tag: string; nonce: string }>;

// Ids issued or read lately, parsed: the mask's HMAC was the largest cost of a read in this
// process (~8 % of a GET). Two generations of PARSED_MAX ids per secret bound the memory
// (~20 MB at most); only ids that parsed are kept, and an id's parse never changes.
const PARSED_MAX = 50_000;
const parsedIds = new Map<string, { recent: Map<string, ParsedId>; older: Map<string, ParsedId> }>();

function remember(secret: string, id: string, parsed: ParsedId) {
  let c = parsedIds.get(secret);
  if (!c) parsedIds.set(secret, (c = { recent: new Map(), older: new Map() }));
  if (c.recent.size >= PARSED_MAX) {
    c.older = c.recent;
    c.recent = new Map();
  }
  c.recent.set(id, parsed);
}

export function newVerificationId(secret: string, tag: string): string {
  const n = nonce();
  const id = idFor(secret, tag, n);
  remember(secret, id, { tag, nonce: n });
  return id;
}

/** The phone tag and nonce of an id this service issued; undefined for anything else. */
export function parseId(secret: string, id: string): ParsedId | undefined {
  const c = parsedIds.get(secret);
  const known = c?.recent.get(id) ?? c?.older.get(id);
  if (known) {
    if (!c!.recent.has(id)) remember(secret, id, known);
    return known;
  }
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  const tag = xorHex(m[3], mask(secret, m[2]));
  if (bucketOf(tag) !== m[1]) return undefined;
  const parsed = { tag, nonce: m[2] };
  remember(secret, id, parsed);
  return parsed;
}
