import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { generateMonthlyReports } from '../../src/domain/business/expense-reports.ts';
import { generateReports } from '../../src/jobs/generate-reports.ts';
import { buildHttpApp, COMPRESS_THRESHOLD_BYTES } from '../../src/channels/http/app.ts';
import { webApp } from '../../src/channels/web/plugin.ts';
import { makeCompany } from '../helpers/business.ts';
import { makeSubscriber, testApp, testConfig, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * What goes over the wire compressed: the web app's files as the build compressed them (brotli,
 * gzip, or plain, by Accept-Encoding), JSON above a small size compressed per request, and
 * downloads that are already compressed (PDF, XLSX) left as they are.
 */
let env: TestEnv;
let app: FastifyInstance;
let web: FastifyInstance;
let dist: string;
let script: Buffer;
let apiKey: string;

before(async () => {
  env = await testCore();
  app = await testApp(env.core);
  apiKey = (await createApiKey(env.core.db, { name: 'compression-test' })).key;
  // A built web app in miniature, compressed by the same script `npm run build` runs.
  dist = mkdtempSync(join(tmpdir(), 'abonent-web-'));
  mkdirSync(join(dist, 'assets'));
  script = Buffer.from(Array.from({ length: 400 }, (_, i) => `export const label${i} = "подпись ${i}: ${randomBytes(4).toString('hex')}";\n`).join(''));
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), script);
  writeFileSync(join(dist, 'index.html'), `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body>${'<!-- app -->'.repeat(60)}</body></html>`);
  const made = spawnSync(process.execPath, ['scripts/precompress.mjs', dist], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  web = await buildHttpApp(env.core, testConfig, [(a) => a.register(webApp, { dist })]);
  await web.ready();
});
after(async () => {
  await web?.close();
  await app?.close();
  await env?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

test('the build writes .br and .gz beside each compressible file, both smaller', () => {
  for (const ext of ['.br', '.gz']) {
    const file = join(dist, 'assets', `index-abc123.js${ext}`);
    assert.ok(existsSync(file), file);
    assert.ok(readFileSync(file).length < script.length / 2, ext);
  }
});

test('a web app file goes out precompressed by Accept-Encoding: brotli, gzip, or plain; the same bytes once decoded', async () => {
  const get = (encoding?: string) => web.inject({ url: '/assets/index-abc123.js', headers: encoding ? { 'accept-encoding': encoding } : {} });

  const br = await get('gzip, deflate, br');
  assert.equal(br.statusCode, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.match(String(br.headers['content-type']), /^(text|application)\/javascript/);
  assert.match(String(br.headers.vary), /accept-encoding/i);
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
  // Sent as built (the .br file), not compressed a second time on the way out.
  assert.deepEqual(br.rawPayload, readFileSync(join(dist, 'assets', 'index-abc123.js.br')));
  assert.deepEqual(brotliDecompressSync(br.rawPayload), script);

  const gz = await get('gzip');
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.match(String(gz.headers['content-type']), /^(text|application)\/javascript/);
  assert.deepEqual(gunzipSync(gz.rawPayload), script);

  for (const plain of [await get(), await get('identity')]) {
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.rawPayload, script);
  }

  const page = await web.inject({ url: '/login', headers: { 'accept-encoding': 'br' } });
  assert.equal(page.headers['content-encoding'], 'br');
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(brotliDecompressSync(page.rawPayload).toString('utf8'), /\/assets\/index-abc123\.js/);
});

test('a large TM Forum list is compressed when the client accepts it and decodes to the same JSON; a tiny answer is not', async () => {
  const url = '/tmf-api/productCatalogManagement/v4/productOffering';
  const headers = { authorization: `Bearer ${apiKey}` };
  const plain = await app.inject({ url, headers });
  assert.equal(plain.statusCode, 200, plain.body);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.ok(plain.rawPayload.length > COMPRESS_THRESHOLD_BYTES * 4, `a large list: ${plain.rawPayload.length} bytes`);

  const gz = await app.inject({ url, headers: { ...headers, 'accept-encoding': 'gzip' } });
  assert.equal(gz.statusCode, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.match(String(gz.headers.vary), /accept-encoding/i);
  assert.match(String(gz.headers['content-type']), /^application\/json/);
  assert.ok(gz.rawPayload.length < plain.rawPayload.length / 3, `${gz.rawPayload.length} of ${plain.rawPayload.length} bytes`);
  assert.deepEqual(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8')), plain.json());

  const br = await app.inject({ url: '/api/v1/catalog/tariffs', headers: { 'accept-encoding': 'br;q=1, gzip;q=0.5' } });
  assert.equal(br.headers['content-encoding'], 'br');
  const tariffs = JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8')) as { items: unknown[] };
  assert.ok(tariffs.items.length > 0);

  const tiny = await app.inject({ url: '/health', headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(tiny.statusCode, 200);
  assert.equal(tiny.headers['content-encoding'], undefined);
  assert.ok(tiny.rawPayload.length < COMPRESS_THRESHOLD_BYTES);
  assert.equal(tiny.json<{ status: string }>().status, 'ok');
});

test('report downloads still arrive whole: CSV compressed with its attachment name, PDF and XLSX as they are', async () => {
  const s = await makeSubscriber(env.core);
  const token = (await createSession(env.core.db, env.core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const auth = { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, deflate, br' };
  const ordered = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/reports', headers: auth, payload: { from: '2026-03-01', to: '2026-03-09', format: 'csv' } });
  assert.equal(ordered.statusCode, 202, ordered.body);
  const { id } = ordered.json<{ id: string }>();
  await generateReports(env.core, {});

  const pdf = await app.inject({ url: `/api/v1/subscribers/me/reports/${id}/download?format=pdf`, headers: auth });
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.equal(pdf.headers['content-encoding'], undefined);
  assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.equal(Number(pdf.headers['content-length']), pdf.rawPayload.length);

  const csv = await app.inject({ url: `/api/v1/subscribers/me/reports/${id}/download`, headers: auth });
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-disposition']), /^attachment; filename="detail-\d+-2026-03-01-2026-03-09\.csv"$/);
  const text = csv.headers['content-encoding'] === 'br' ? brotliDecompressSync(csv.rawPayload) : csv.rawPayload;
  assert.deepEqual([...text.subarray(0, 3)], [0xef, 0xbb, 0xbf]);

  const company = await makeCompany(env.core, 'ООО «Сжатие»', { regions: ['77'] });
  const admin = await company.admin('contract_admin');
  await company.number();
  await generateMonthlyReports(env.core, {});
  const h = { authorization: `Bearer ${admin.token}`, 'accept-encoding': 'gzip, br' };
  const list = (await app.inject({ url: '/api/v1/business/reports', headers: h })).json<{ items: { id: string }[] }>().items;
  assert.ok(list.length > 0);
  const xlsx = await app.inject({ url: `/api/v1/business/reports/${list[0]!.id}/download?format=xlsx`, headers: h });
  assert.equal(xlsx.statusCode, 200);
  assert.equal(xlsx.headers['content-encoding'], undefined);
  assert.equal(xlsx.rawPayload.subarray(0, 2).toString('latin1'), 'PK');
  assert.equal(Number(xlsx.headers['content-length']), xlsx.rawPayload.length);
});
