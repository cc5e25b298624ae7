import { describe, expect, it } from 'vitest';
import { idFor, newVerificationId, parseId, phoneTag, secretDigest } from '../src/codes.js';
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

  it('parses an id the same whether it was issued here (remembered) or elsewhere, and refuses a forged one', () => {
    const tag = phoneTag(SECRET, '+79161234568');
    const here = newVerificationId(SECRET, tag);
    const elsewhere = idFor(SECRET, tag, 'a1b2c3d4e5f60718');
    expect(parseId(SECRET, here)).toEqual({ tag, nonce: here.slice(6, 22) });
    expect(parseId(SECRET, elsewhere)).toEqual({ tag, nonce: 'a1b2c3d4e5f60718' });
    expect(parseId(SECRET, elsewhere)).toEqual({ tag, nonce: 'a1b2c3d4e5f60718' }); // from memory now
    // Under another secret the same ids are not ours, remembered or not.
    expect(parseId('t'.repeat(32), here)?.tag).not.toBe(tag);
    // One hex digit changed in the masked tag: the bucket no longer matches (or another tag).
    const forged = elsewhere.slice(0, -1) + (elsewhere.endsWith('0') ? '1' : '0');
    expect(parseId(SECRET, forged)?.tag).not.toBe(tag);
    expect(parseId(SECRET, 'vf_nope')).toBeUndefined();
  });

  it('a secret digest is its SHA-256', () => {
    expect(secretDigest('abc')).toEqual(createHash('sha256').update('abc').digest());
  });
});
