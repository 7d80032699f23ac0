// The OpenAPI document, built in-process (never listening) on a throwaway SQLite database, for the checks:
//   tsx scripts/openapi.ts document [file]   the document as GET /openapi.json serves it (default .tmp/openapi.json)
//   tsx scripts/openapi.ts types             regenerate web/src/api/openapi.d.ts (npm run gen:api-types)
//   tsx scripts/openapi.ts check-types       fail if web/src/api/openapi.d.ts is stale (npm run check:api-types)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/platform/db.ts';

const WEB_TYPES = 'web/src/api/openapi.d.ts';

async function buildDocument(): Promise<object> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ensign-openapi-'));
  try {
    const config = { ...loadConfig({ DATA_DIR: dataDir, ENSIGN_SECRET: 'openapi-document-only', LOG_LEVEL: 'silent' }), webDir: join(dataDir, 'no-web') };
    const db = await openDatabase({ databaseUrl: null, dataDir });
    const app = await buildApp({ config, db, logger: false, background: false });
    await app.ready();
    const document = app.swagger();
    await app.close();
    await db.close();
    return document;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// silent: the document's accepted lint findings are Redocly's to report (npm run lint:openapi), not the generator's.
const webTypes = async (document: object) => COMMENT_HEADER + astToString(await openapiTS(document as OpenAPI3, { silent: true }));

function write(file: string, text: string) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const [command, file] = process.argv.slice(2);
if (command === 'document') {
  write(file ?? '.tmp/openapi.json', `${JSON.stringify(await buildDocument(), null, 2)}\n`);
} else if (command === 'types') {
  write(WEB_TYPES, await webTypes(await buildDocument()));
} else if (command === 'check-types') {
  const fresh = await webTypes(await buildDocument());
  if (fresh !== readFileSync(WEB_TYPES, 'utf8')) {
    write('.tmp/openapi.d.ts', fresh);
    console.error(`${WEB_TYPES} is stale: the server's schemas changed. Run npm run gen:api-types and commit it (diff ${WEB_TYPES} .tmp/openapi.d.ts).`);
    process.exit(1);
  }
} else {
  console.error('usage: tsx scripts/openapi.ts document [file] | types | check-types');
  process.exit(2);
}
