import { writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';

// Writes openapi/openapi.json from the routes' schemas, and the typed client's types
// (client/src/schema.d.ts) from it (`npm run openapi`). A test fails when a committed file
// differs from what the code generates.

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'silent' }) });
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

export async function generateClientSchema(openapiJson: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(openapiJson), { alphabetize: false });
  return `// Generated from openapi/openapi.json by \`npm run openapi\` (openapi-typescript). Do not edit.\n\n${astToString(ast)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const doc = await generateOpenApi();
  writeFileSync(new URL('../openapi/openapi.json', import.meta.url), doc);
  writeFileSync(new URL('../client/src/schema.d.ts', import.meta.url), await generateClientSchema(doc));
  console.log('wrote openapi/openapi.json and client/src/schema.d.ts');
}
