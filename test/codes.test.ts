import { describe, expect, it } from 'vitest';
import { newVerificationId, parseId, phoneTag, secretDigest } from '../src/codes.js';
import { createHash } from 'node:crypto';

const SECRET = 's'.repeat(32);

describe('ids and digests', () => {
  it('ids drawn from the nonce pool are all distinct, across pool refills, and parse back to their tag', () => {
    const tag = phoneTag(SECRET, '+79161234567');
    const ids = Array.from({ length: 2000 }, () => newVerificationId(SECRET, tag)); // 16 KB: four refills
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(6, 22))).size).toBe(ids.length); // the nonces themselves
    for (const id of ids.slice(0, 50)) expect(parseId(SECRET, id)?.tag).toBe(tag);
  });

  it('a secret digest is its SHA-256', () => {
    expect(secretDigest('abc')).toEqual(createHash('sha256').update('abc').digest());
  });
});
