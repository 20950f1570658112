// The subscriber's action history in plain words over HTTP: services and plans by name in the
// language asked for (never their catalog codes), a refused action with its reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { changePassword } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
});
after(async () => {
  await app?.close();
  await env?.close();
});

interface Item {
  action: string;
  outcome: string;
  subject: string | null;
  reason: string | null;
}

test('history names the service and gives a refusal its reason, in the language asked for', async () => {
  const s = await makeSubscriber(core);
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'weather' });
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'weather' }));
  await assert.rejects(changePassword(core, ctx, { currentPassword: 'not-the-password', newPassword: 'another-one-1' }));
  const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const history = async (lang: string) => {
    const res = await app.inject({ url: '/api/v1/subscribers/me/history', headers: { authorization: `Bearer ${token}`, 'accept-language': lang } });
    assert.equal(res.statusCode, 200);
    return res.json<{ items: Item[] }>().items;
  };
  const ru = await history('ru');
  const en = await history('en-US');
  const connected = (items: Item[]) => items.filter((i) => i.action === 'product.connect');
  assert.deepEqual(connected(ru).map((i) => [i.outcome, i.subject]), [['refused', 'Погода'], ['ok', 'Погода']]);
  assert.deepEqual(connected(en).map((i) => [i.outcome, i.subject]), [['refused', 'Weather'], ['ok', 'Weather']]);
  const again = connected(en)[0]!;
  assert.ok(again.reason && !/[A-Z_]{6,}|weather/.test(again.reason), `a reason in words: ${again.reason}`);
  assert.match(again.reason, /Weather/);
  assert.equal(connected(en)[1]!.reason, null);
  const password = en.find((i) => i.action === 'auth.password_changed')!;
  assert.equal(password.outcome, 'refused');
  assert.ok(password.reason && password.reason.length > 0 && !password.reason.includes('INVALID'), String(password.reason));
  assert.ok(/[А-Яа-я]/.test(ru.find((i) => i.action === 'auth.password_changed')!.reason ?? ''), 'the Russian reason is Russian');
});
