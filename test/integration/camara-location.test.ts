import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { camaraLocation } from '../../src/adapters/location/camara.ts';
import { buildCamaraSandbox, SANDBOX_API_PATH } from '../../src/adapters/location/camara-sandbox.ts';
import { areaSurface, type DeviceLocation } from '../../src/domain/locator/location-port.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { refusal } from '../helpers/core.ts';

/**
 * The CAMARA Device Location Retrieval adapter against the sandbox server on loopback, and every
 * request and answer that passes between them checked against the schemas of
 * /work/shared/camara/location-retrieval.yaml (its shared CAMARA_common parts — Device, Area,
 * ErrorInfo — written out here as CAMARA Commonalities defines them, the file not being shipped).
 */
const SPEC = '/work/shared/camara/location-retrieval.yaml';
const clock = new ManualClock('2026-03-10T09:00:00Z');
const regions = new Map<string, string>();
const offline = new Set<string>();
let sandbox: FastifyInstance;
let base: string;
const exchanges: { path: string; request: unknown; status: number; response: unknown }[] = [];

const common = {
  Device: {
    type: 'object',
    minProperties: 1,
    properties: {
      phoneNumber: { type: 'string', pattern: '^\\+[1-9][0-9]{4,14}$' },
      networkAccessIdentifier: { type: 'string' },
      ipv4Address: { type: 'object' },
      ipv6Address: { type: 'string' },
    },
  },
  DeviceResponse: { $ref: '#/components/schemas/Device' },
  Point: {
    type: 'object',
    required: ['latitude', 'longitude'],
    properties: { latitude: { type: 'number', minimum: -90, maximum: 90 }, longitude: { type: 'number', minimum: -180, maximum: 180 } },
  },
  PointList: { type: 'array', minItems: 3, maxItems: 15, items: { $ref: '#/components/schemas/Point' } },
  AreaType: { type: 'string', enum: ['CIRCLE', 'POLYGON'] },
  Circle: {
    type: 'object',
    required: ['areaType', 'center', 'radius'],
    properties: { areaType: { const: 'CIRCLE' }, center: { $ref: '#/components/schemas/Point' }, radius: { type: 'number', minimum: 1 } },
  },
  Polygon: {
    type: 'object',
    required: ['areaType', 'boundary'],
    properties: { areaType: { const: 'POLYGON' }, boundary: { $ref: '#/components/schemas/PointList' } },
  },
  Area: { oneOf: [{ $ref: '#/components/schemas/Circle' }, { $ref: '#/components/schemas/Polygon' }] },
  ErrorInfo: { type: 'object', required: ['status', 'code', 'message'], properties: { status: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } } },
};

type Doc = { components: { schemas: Record<string, unknown>; responses: Record<string, { content: { 'application/json': { schema: unknown } } }> } };
let validate: (name: string, value: unknown) => string | null;

before(async () => {
  const doc = parse(readFileSync(SPEC, 'utf8')) as Doc;
  // Shared parts first, the file's own definitions over them; every reference made local.
  const text = JSON.stringify({ ...doc, components: { ...doc.components, schemas: { ...common, ...Object.fromEntries(Object.entries(doc.components.schemas).filter(([, v]) => !String((v as { $ref?: string }).$ref ?? '').includes('CAMARA_common'))) } } }).replaceAll(
    '../common/CAMARA_common.yaml#',
    '#',
  );
  const local = JSON.parse(text) as Doc;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its plugin is the module itself or its default, by loader.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => void;
  addFormats(ajv);
  const compiled = new Map<string, ReturnType<Ajv['compile']>>();
  validate = (name, value) => {
    let fn = compiled.get(name);
    if (!fn) {
      const target = name.startsWith('responses/') ? local.components.responses[name.slice(10)]?.content['application/json'].schema : local.components.schemas[name];
      assert.ok(target, `no schema ${name}`);
      fn = ajv.compile({ ...(target as object), components: local.components });
      compiled.set(name, fn);
    }
    return fn(value) ? null : ajv.errorsText(fn.errors);
  };

  sandbox = buildCamaraSandbox({ clientId: 'abonent', clientSecret: 'sandbox-secret', regionOf: async (m) => regions.get(m) ?? null, now: () => clock.now(), offline });
  sandbox.addHook('onSend', async (req, reply, payload) => {
    exchanges.push({ path: req.url, request: req.body, status: reply.statusCode, response: typeof payload === 'string' ? JSON.parse(payload) : payload });
    return payload;
  });
  await sandbox.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(sandbox.server.address() as AddressInfo).port}`;
});

after(async () => {
  await sandbox.close();
});

const adapter = (secret = 'sandbox-secret') =>
  camaraLocation({ apiRoot: `${base}${SANDBOX_API_PATH}`, tokenUrl: `${base}/oauth/token`, clientId: 'abonent', clientSecret: secret, now: () => clock.now() });

/** The exchanges with /retrieve since `from`, each checked against the specification. */
function checkExchanges(from: number) {
  for (const x of exchanges.slice(from).filter((e) => e.path.endsWith('/retrieve'))) {
    assert.equal(validate('RetrievalLocationRequest', x.request), null, `request ${JSON.stringify(x.request)}`);
    const schema = x.status === 200 ? 'Location' : x.status === 404 ? 'responses/RetrieveLocationNotFound404' : x.status === 422 ? 'responses/RetrieveLocationUnprocessableEntity422' : null;
    assert.ok(schema, `unexpected status ${x.status}`);
    assert.equal(validate(schema, x.response), null, `${x.status} ${JSON.stringify(x.response)}`);
  }
}

test('the schemas are strict enough to catch a wrong answer', () => {
  assert.notEqual(validate('Location', { lastLocationTime: '2026-03-10T09:00:00Z', area: { areaType: 'CIRCLE', center: { latitude: 95, longitude: 0 }, radius: 10 } }), null);
  assert.notEqual(validate('Location', { area: { areaType: 'POLYGON', boundary: [] } }), null);
  assert.notEqual(validate('responses/RetrieveLocationUnprocessableEntity422', { status: 422, code: 'SOMETHING_ELSE', message: 'x' }), null);
  assert.notEqual(validate('RetrievalLocationRequest', { device: { phoneNumber: '79001234567' } }), null);
});

test('circles and polygons from the cell table, as of the clock, through a client-credentials token used again', async () => {
  const from = exchanges.length;
  const loc = adapter();
  const seen = new Map<string, DeviceLocation>();
  for (let i = 1; i <= 12; i++) {
    const msisdn = `7916000${String(i).padStart(4, '0')}`;
    regions.set(msisdn, '77');
    const r = await loc.retrieve({ msisdn });
    seen.set(r.area.areaType, r);
    const age = (clock.now().getTime() - r.lastLocationTime.getTime()) / 1000;
    assert.ok(age >= 60 && age < 300, `a fix a few minutes old, not ${age}s`);
  }
  assert.ok(seen.has('CIRCLE') && seen.has('POLYGON'), 'both kinds of area');
  assert.equal(exchanges.slice(from).filter((x) => x.path === '/oauth/token').length, 1, 'one token for all the calls');
  checkExchanges(from);
});

test('maxAge: a fresh fix on request; a device that is off has only an old one', async () => {
  const from = exchanges.length;
  const loc = adapter();
  regions.set('79160009001', '78');
  const fresh = await loc.retrieve({ msisdn: '79160009001', maxAge: 0 });
  assert.equal(fresh.lastLocationTime.getTime(), clock.now().getTime());
  offline.add('79160009001');
  const old = await loc.retrieve({ msisdn: '79160009001' });
  assert.equal(clock.now().getTime() - old.lastLocationTime.getTime(), 3 * 3600_000);
  await assert.rejects(loc.retrieve({ msisdn: '79160009001', maxAge: 600 }), (e: unknown) => refusal('LOCATION_UNAVAILABLE')(e) && (e as { params: { reason: string } }).params.reason === 'MAX_AGE');
  offline.delete('79160009001');
  checkExchanges(from);
});

test('maxSurface: an area larger than allowed is refused; a generous one passes', async () => {
  const from = exchanges.length;
  const loc = adapter();
  regions.set('79160009002', '16');
  const r = await loc.retrieve({ msisdn: '79160009002' });
  const surface = Math.ceil(areaSurface(r.area));
  assert.ok(await loc.retrieve({ msisdn: '79160009002', maxSurface: surface + 1 }));
  await assert.rejects(loc.retrieve({ msisdn: '79160009002', maxSurface: Math.floor(surface / 2) }), (e: unknown) => (e as { params: { reason: string } }).params.reason === 'MAX_SURFACE');
  checkExchanges(from);
});

test('an unknown number, a region without cells and wrong client credentials are refused with their reasons', async () => {
  const from = exchanges.length;
  const reason = (p: Promise<unknown>) => p.then(() => 'ok', (e: { params?: { reason?: string } }) => e.params?.reason);
  assert.equal(await reason(adapter().retrieve({ msisdn: '79169999999' })), 'NOT_FOUND');
  regions.set('79160009003', '87');
  assert.equal(await reason(adapter().retrieve({ msisdn: '79160009003' })), 'UNABLE_TO_LOCATE');
  regions.set('79160009004', '77');
  assert.equal(await reason(adapter('wrong-secret').retrieve({ msisdn: '79160009004' })), 'UNAVAILABLE');
  checkExchanges(from);
});

test('the sandbox refuses a request without a valid token, and an expired token is replaced', async () => {
  const res = await fetch(`${base}${SANDBOX_API_PATH}/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer forged' }, body: JSON.stringify({ device: { phoneNumber: '+79160000001' } }) });
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { code: string }).code, 'UNAUTHENTICATED');
  const from = exchanges.length;
  const loc = adapter();
  regions.set('79160009005', '54');
  await loc.retrieve({ msisdn: '79160009005' });
  clock.advance(2 * 3600_000);
  await loc.retrieve({ msisdn: '79160009005' });
  assert.equal(exchanges.slice(from).filter((x) => x.path === '/oauth/token').length, 2, 'a new token after the first expired');
});
