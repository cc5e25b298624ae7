import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { testConfig } from '../src/config.js';

// Writes openapi/openapi.json from the routes' schemas (`npm run openapi`). A test fails when
// the committed file differs from what the code generates.

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'silent' }) });
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../openapi/openapi.json', import.meta.url), await generateOpenApi());
  console.log('wrote openapi/openapi.json');
}
