import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { payWithSavedCard, startTopUp } from '../../src/domain/payments/top-up.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { createCore } from '../../src/runtime.ts';
import { buildServer } from '../../src/server.ts';
import { catalogStore, makeSubscriber, quietLog, refusal, subscriberCtx, testConfig, type TestStore } from '../helpers/core.ts';

// An install without an acquirer (the production default): card payments are refused before
// anything is written, and the sandbox's pay page does not exist.
const config = { ...testConfig, PAYMENT_PROVIDER: 'none' as const };
let store: TestStore;
let core: Core;
let app: FastifyInstance;
before(async () => {
  store = await catalogStore();
  core = await createCore(config, { db: store.db, clock: new ManualClock('2026-03-10T09:00:00Z'), log: quietLog });
  app = await buildServer(core, config);
  await app.ready();
});
after(async () => {
  await app.close();
  await store.drop();
});

const paymentRows = async () => (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payment'))[0]!.n;

test('production refuses the sandbox; it is the default only outside production', () => {
  const base = { SECRET_KEY: 'x'.repeat(32), STORE: 'memory' } as NodeJS.ProcessEnv;
  assert.equal(loadConfig({ ...base, NODE_ENV: 'production' }).PAYMENT_PROVIDER, 'none');
  assert.equal(loadConfig({ ...base, NODE_ENV: 'development' }).PAYMENT_PROVIDER, 'sandbox');
  assert.throws(() => loadConfig({ ...base, NODE_ENV: 'production', PAYMENT_PROVIDER: 'sandbox' }), (e: unknown) => e instanceof ConfigError && /PAYMENT_PROVIDER/.test(e.message));
});

test('without a provider a top-up is refused with PAYMENTS_UNAVAILABLE and writes no payment', async () => {
  const s = await makeSubscriber(core, { openingBalance: 0 });
  await assert.rejects(startTopUp(core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn, amount: 10_000 }), refusal('PAYMENTS_UNAVAILABLE'));
  await assert.rejects(payWithSavedCard(core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn, amount: 10_000, cardId: 1 }), refusal('PAYMENTS_UNAVAILABLE'));
  assert.equal(await paymentRows(), 0);

  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  const auth = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
  const res = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: { ...auth, 'idempotency-key': 'k1' }, payload: { amount: 10_000 } });
  assert.equal(res.statusCode, 503);
  assert.match(res.json<{ type: string }>().type, /payments-unavailable$/i);
  assert.equal(await paymentRows(), 0);
  const page = await app.inject({ method: 'GET', url: '/sandbox/pay/sbx_00000000-0000-0000-0000-000000000000' });
  assert.equal(page.statusCode, 404);
});
