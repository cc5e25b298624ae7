import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CHECK_RESULT_EXAMPLE, VERIFICATION_EXAMPLE } from '../src/openapi/examples.js';
import { responseSerializerCompiler } from '../src/response-serializer.js';
import { checkResult, problem, verification } from '../src/schemas.js';

// Answers are serialized from the response schemas without re-validating them: the same JSON
// as the zod serializer wrote for what the service builds, and still nothing the schema does
// not name.

const serialize = (schema: unknown, data: unknown) => JSON.parse(responseSerializerCompiler({ schema })(data));

describe('response serializer', () => {
  it('writes what the zod schemas would let through', () => {
    const notPending = { type: 'about:blank', title: 'Not pending', status: 409, detail: 'd', code: 'verification_not_pending', verificationStatus: 'approved' };
    for (const [schema, data] of [
      [verification, VERIFICATION_EXAMPLE],
      [checkResult, CHECK_RESULT_EXAMPLE],
      [problem, notPending],
    ] as const) {
      expect(serialize(schema, data)).toEqual(JSON.parse(JSON.stringify((schema as z.ZodType).parse(data))));
    }
  });

  it('drops every property the schema does not name, nested ones too, but keeps metadata as given', () => {
    const leaky = {
      ...VERIFICATION_EXAMPLE,
      codeHmac: 'secret-material',
      phoneTag: 'abcdef0123456789',
      attempts: VERIFICATION_EXAMPLE.attempts.map((a) => ({ ...a, code: '123456' })),
      metadata: { userId: 'u_1', nested: { a: [1, 'x', null] } },
    };
    const out = serialize(verification, leaky);
    expect(out).not.toHaveProperty('codeHmac');
    expect(out).not.toHaveProperty('phoneTag');
    expect(out.attempts[0]).not.toHaveProperty('code');
    expect(out.metadata).toEqual({ userId: 'u_1', nested: { a: [1, 'x', null] } });
  });

  it('writes nullable and optional fields as they are', () => {
    const s = z.object({ lastStatus: z.number().int().nullable(), ref: z.string().optional(), at: z.string().nullable() });
    expect(serialize(s, { lastStatus: null, at: null })).toEqual({ lastStatus: null, at: null });
    expect(serialize(s, { lastStatus: 502, ref: 'r', at: '2026-01-01T00:00:00.000Z' })).toEqual({ lastStatus: 502, ref: 'r', at: '2026-01-01T00:00:00.000Z' });
  });
});
