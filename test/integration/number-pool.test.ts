import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { listFreeNumbers } from '../../src/domain/business/orders.ts';
import type { Core } from '../../src/domain/core.ts';
import { addPoolNumbers } from '../../src/domain/number-pool/add-pool-numbers.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { makeCompany } from '../helpers/business.ts';
import { makeSubscriber, refusal, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let staff: string;
let subscriberToken: string;
let adminToken: string;
let apiKey: string;

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('pool@test.example', 'Pool', 'x') RETURNING id"))[0]!.id;
  staff = (await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' })).token;
  const s = await makeSubscriber(core);
  subscriberToken = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const company = await makeCompany(core, 'ООО Пул');
  adminToken = (await company.admin('contract_admin')).token;
  apiKey = (await createApiKey(core.db, { name: 'pool-tests' })).key;
});
after(async () => {
  await app?.close();
  await env?.close();
});

function call(method: 'GET' | 'POST', url: string, token: string | null, payload?: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
}

function problem(res: LightMyRequestResponse, status: number, code: string): { title: string; detail?: string } {
  assert.equal(res.statusCode, status, res.body.slice(0, 300));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.json<{ code: string }>().code, code);
  return res.json<{ title: string; detail?: string }>();
}

const poolSize = async () => (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM number_pool'))[0]!.n;

test('number pool routes refuse subscribers, business admins and API keys (403) and anonymous callers (401), changing nothing', async () => {
  const before = await poolSize();
  const requests: [method: 'GET' | 'POST', url: string, body?: unknown][] = [
    ['GET', '/api/v1/staff/numbers'],
    ['POST', '/api/v1/staff/numbers', { region: '78', from: '79215550000', count: 10 }],
    ['POST', '/api/v1/staff/numbers/release', {}],
  ];
  for (const [method, url, body] of requests) {
    for (const token of [subscriberToken, adminToken, apiKey]) problem(await call(method, url, token, body), 403, 'FORBIDDEN');
    problem(await call(method, url, null, body), 401, 'UNAUTHENTICATED');
  }
  assert.equal(await poolSize(), before);
  assert.equal((await call('GET', '/api/v1/staff/numbers', staff)).statusCode, 200);
});

test('staff add ranges per region; the pool counts them by region and status; orders offer them', async () => {
  const added = await call('POST', '/api/v1/staff/numbers', staff, { region: '78', from: '+7 921 777-00-00', count: 100 });
  assert.equal(added.statusCode, 201, added.body);
  assert.deepEqual(added.json(), { regionCode: '78', from: '79217770000', to: '79217770099', added: 100 });
  assert.equal((await call('POST', '/api/v1/staff/numbers', staff, { region: '77', from: '79167770000', count: 5 })).statusCode, 201);
  const list = (await call('GET', '/api/v1/staff/numbers?region=78&status=free&limit=1000', staff)).json<{ regions: { regionCode: string; free: number }[]; items: { msisdn: string; status: string }[] }>();
  assert.equal(list.regions.find((r) => r.regionCode === '78')!.free, 100);
  assert.equal(list.regions.find((r) => r.regionCode === '77')!.free, 5);
  assert.equal(list.items.length, 100);
  assert.ok(list.items.every((i) => i.status === 'free' && /^792177700\d\d$/.test(i.msisdn)));
  // Paging by the last number seen.
  const page2 = (await call('GET', '/api/v1/staff/numbers?region=78&limit=60&after=79217770049', staff)).json<{ items: { msisdn: string }[] }>();
  assert.deepEqual([page2.items.length, page2.items[0]!.msisdn], [50, '79217770050']);
  // A business admin ordering a number change picks from them.
  const company = await makeCompany(core, 'ООО Заказчик');
  const admin = await company.admin('contract_admin');
  const free = await listFreeNumbers(core, admin.ctx, { region: '78', q: '7921777', limit: 200 });
  assert.equal(free.items.length, 100);
  const [audit] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'numbers.pool.add' AND outcome = 'ok'");
  assert.equal(audit!.n, 2);
});

test('bad ranges are refused whole, with a clear error naming the number, in Russian and English', async () => {
  const owner = await makeSubscriber(core, { msisdn: '79218880005' });
  await addPoolNumbers(core, systemCtx('cli', 'cli'), { regionCode: '78', from: '79218881000', count: 10 });
  const before = await poolSize();
  const taken = problem(await call('POST', '/api/v1/staff/numbers', staff, { region: '78', from: '79218880000', count: 10 }), 409, 'NUMBER_TAKEN');
  assert.equal(taken.title, `Номер +7 ${owner.msisdn.slice(1, 4)} ${owner.msisdn.slice(4, 7)}-${owner.msisdn.slice(7, 9)}-${owner.msisdn.slice(9)} уже принадлежит абоненту`);
  const pooled = problem(await call('POST', '/api/v1/staff/numbers?lang=en', staff, { region: '78', from: '79218880995', count: 10 }), 409, 'NUMBER_TAKEN');
  assert.equal(pooled.title, 'The number +7 921 888-10-00 is already in the number pool');
  problem(await call('POST', '/api/v1/staff/numbers', staff, { region: '78', from: '79218890000', count: 10_001 }), 400, 'VALIDATION');
  problem(await call('POST', '/api/v1/staff/numbers', staff, { region: '78', from: '12345', count: 1 }), 400, 'VALIDATION');
  problem(await call('POST', '/api/v1/staff/numbers', staff, { region: '999', from: '79218890000', count: 1 }), 400, 'VALIDATION');
  const past = problem(await call('POST', '/api/v1/staff/numbers?lang=en', staff, { region: '78', from: '79999999998', count: 3 }), 400, 'NUMBER_INVALID');
  assert.match(past.title, /^80000000000 is not a phone number/);
  assert.equal(await poolSize(), before, 'nothing added by a refused range');
  // Two ranges racing over the same numbers: one wins, the other is refused whole.
  const res = await Promise.allSettled([
    addPoolNumbers(core, systemCtx('cli', 'cli'), { regionCode: '78', from: '79218882000', count: 50 }),
    addPoolNumbers(core, systemCtx('cli', 'cli'), { regionCode: '78', from: '79218882040', count: 50 }),
  ]);
  assert.equal(res.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(res.some((r) => r.status === 'rejected' && refusal('NUMBER_TAKEN')(r.reason)));
  assert.equal(await poolSize(), before + 50);
});

test('quarantined numbers are released once their quarantine has ended, and only those', async () => {
  const now = env.clock.now().getTime();
  await core.db.query(
    `INSERT INTO number_pool (msisdn, region_code, status, available_at) VALUES
       ('79219990001', '78', 'quarantined', $1), ('79219990002', '78', 'quarantined', $1), ('79219990003', '78', 'quarantined', $2), ('79169990004', '77', 'quarantined', $1)`,
    [new Date(now - 60_000), new Date(now + 86_400_000)],
  );
  const counts = (await call('GET', '/api/v1/staff/numbers', staff)).json<{ regions: { regionCode: string; quarantined: number; quarantineEnded: number }[] }>();
  assert.deepEqual(counts.regions.filter((r) => r.regionCode === '78').map((r) => [r.quarantined, r.quarantineEnded]), [[3, 2]]);
  const onlyMoscow = await call('POST', '/api/v1/staff/numbers/release', staff, { region: '77' });
  assert.deepEqual(onlyMoscow.json(), { released: 1, msisdns: ['79169990004'] });
  const rel = await call('POST', '/api/v1/staff/numbers/release', staff, {});
  assert.deepEqual(rel.json(), { released: 2, msisdns: ['79219990001', '79219990002'] });
  const st = await core.db.query<{ msisdn: string; status: string }>("SELECT msisdn, status FROM number_pool WHERE msisdn LIKE '7921999%' OR msisdn LIKE '7916999%' ORDER BY msisdn");
  assert.deepEqual(st.map((r) => [r.msisdn, r.status]), [['79169990004', 'free'], ['79219990001', 'free'], ['79219990002', 'free'], ['79219990003', 'quarantined']]);
  assert.deepEqual((await call('POST', '/api/v1/staff/numbers/release', staff, {})).json(), { released: 0, msisdns: [] });
});
