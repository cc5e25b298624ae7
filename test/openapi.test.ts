import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../scripts/openapi.js';

describe('openapi/openapi.json', () => {
  it('is what the code generates (run `npm run openapi` after changing a route)', async () => {
    const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(await generateOpenApi());
  });

  it('documents every endpoint of the contract with its errors', async () => {
    const doc = JSON.parse(await generateOpenApi());
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/verifications',
        '/v1/verifications/check',
        '/v1/verifications/{id}',
        '/v1/verifications/{id}/resend',
        '/v1/verifications/{id}/cancel',
        '/healthz',
        '/readyz',
      ]),
    );
    const start = doc.paths['/v1/verifications'].post;
    expect(Object.keys(start.responses)).toEqual(expect.arrayContaining(['201', '4XX', '5XX']));
    expect(start.requestBody.content['application/json'].schema.required).toEqual(['to']);
  });
});
