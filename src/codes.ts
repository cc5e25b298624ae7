import { createHmac, hash, randomBytes, randomInt } from 'node:crypto';

// Code material and ids. Codes come from crypto.randomInt and are stored only as an HMAC bound
// to the verification id; the stored HMAC is compared inside the store's atomic check (the
// caller controls the code, never the HMAC bytes, so comparing there leaks nothing useful).

export function generateCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** 128 bits of HMAC-SHA256 over id and code, base64url: compact, and far beyond guessing. */
export function codeHmac(secret: string, verificationId: string, code: string): string {
  // The id is part of the MAC input, so a stored HMAC cannot be replayed on another verification.
  return createHmac('sha256', secret).update(`${verificationId}\x00${code}`).digest().subarray(0, 16).toString('base64url');
}

/**
 * A caller-given secret (API key, callback token) as a fixed-length digest, so that
 * timingSafeEqual can compare it with the expected one whatever its length.
 */
export const secretDigest = (s: string) => hash('sha256', s, 'buffer');

/** Keyed hash of a phone number for Redis key names: no raw number ever appears in a key. */
export function phoneTag(secret: string, e164: string): string {
  return createHmac('sha256', secret).update(`phone-key\x00${e164}`).digest('hex').slice(0, 16);
}

/** The Cluster slot part of a phone's keys: 12 bits of its tag, shared by many numbers. */
export const bucketOf = (tag: string) => tag.slice(0, 3);

// An id is vf_ + bucket (3 hex) + nonce (16 hex) + the phone tag masked under the nonce
// (16 hex). The store finds the phone's document from the id alone, yet two ids of one number
// share nothing but the bucket, so ids cannot be linked across clients or log lines.
const ID_RE = /^vf_([0-9a-f]{3})([0-9a-f]{16})([0-9a-f]{16})$/;

const mask = (secret: string, nonce: string) =>
  createHmac('sha256', secret).update(`id-mask\x00${nonce}`).digest().subarray(0, 8);

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

export const newVerificationId = (secret: string, tag: string) => idFor(secret, tag, nonce());

/** The phone tag and nonce of an id this service issued; undefined for anything else. */
export function parseId(secret: string, id: string): { tag: string; nonce: string } | undefined {
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  const tag = xorHex(m[3], mask(secret, m[2]));
  return bucketOf(tag) === m[1] ? { tag, nonce: m[2] } : undefined;
}
