import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

// Code material: generated with crypto.randomInt, stored only as an HMAC bound to the
// verification id, compared in constant time.

export function generateCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

export function codeHmac(secret: string, verificationId: string, code: string): string {
  // The id is part of the MAC input, so a stored HMAC cannot be replayed on another verification.
  return createHmac('sha256', secret).update(`${verificationId}\x00${code}`).digest('hex');
}

export function hmacEquals(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * A caller-given secret (API key, callback token) as a fixed-length digest, so that
 * timingSafeEqual can compare it with the expected one whatever its length.
 */
export const secretDigest = (s: string) => createHash('sha256').update(s).digest();

/** Keyed hash of a phone number for Redis key names: no raw number ever appears in a key. */
export function phoneTag(secret: string, e164: string): string {
  return createHmac('sha256', secret).update(`phone-key\x00${e164}`).digest('hex').slice(0, 16);
}

export function newVerificationId(tag: string): string {
  // The phone tag is part of the id so the store finds the verification's hash slot from the
  // id alone (all keys of one phone number share a Redis Cluster slot).
  return `vf_${tag}${randomBytes(16).toString('hex')}`;
}

const ID_RE = /^vf_([0-9a-f]{16})[0-9a-f]{32}$/;

export function tagOfId(id: string): string | undefined {
  return ID_RE.exec(id)?.[1];
}
