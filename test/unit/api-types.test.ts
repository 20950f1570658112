// web/src/api-types.ts is generated from the server's OpenAPI document (`npm run gen:api-types`)
// and committed: it must be exactly what a fresh generation gives, so the web app's types cannot
// drift from the routes' schemas.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { API_TYPES_FILE, generateApiTypes, openApiDocument } from '../../scripts/gen-api-types.ts';

const document = openApiDocument();

test('web/src/api-types.ts matches a fresh generation from the OpenAPI document (run `npm run gen:api-types` after changing a route schema)', async () => {
  const committed = await readFile(API_TYPES_FILE, 'utf8');
  const fresh = await generateApiTypes(await document);
  if (committed !== fresh) {
    const a = committed.split('\n');
    const b = fresh.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    assert.fail(`web/src/api-types.ts is stale from line ${at + 1}: committed ${JSON.stringify(a[at])}, generated ${JSON.stringify(b[at])}. Run \`npm run gen:api-types\`.`);
  }
});

test('the lists the web app pages through state their answers in the OpenAPI document, with nextCursor', async () => {
  const doc = (await document) as unknown as { paths: Record<string, { get?: { responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }> } }> };
  for (const path of ['/api/v1/subscribers/{msisdn}/payments', '/api/v1/subscribers/{msisdn}/usage', '/api/v1/subscribers/{msisdn}/history', '/api/v1/subscribers/{msisdn}/tickets', '/api/v1/subscribers/{msisdn}/bonus/history', '/api/v1/business/orders']) {
    const props = doc.paths[path]?.get?.responses?.['200']?.content?.['application/json']?.schema?.properties;
    assert.ok(props?.items && props.nextCursor, `${path}: 200 answer with items and nextCursor`);
  }
});
