import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { explainBillChange } from '../../src/domain/reports/explain-bill-change.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { disableProduct } from '../../src/domain/services/disable-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
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
  await app.close();
  await env.close();
});

/** Charges (fees and usage) of a local month in Moscow, summed straight from the ledger. */
async function ledgerCharges(accountId: number, from: string, to: string) {
  const [r] = await core.db.query<{ n: number }>(
    `SELECT COALESCE(SUM(-amount), 0)::bigint AS n FROM ledger_entry WHERE account_id = $1 AND amount < 0 AND kind IN ('fee', 'usage') AND created_at >= $2 AND created_at < $3`,
    [accountId, from, to],
  );
  return Number(r!.n);
}

test('why the bill changed: March against February from the ledger, by category, the largest changes in words in both languages', async () => {
  env.clock.set('2026-02-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 500_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'news' });
  const roam = (id: string, at: string, minutes: number) => ingestUsage(core, systemCtx('test'), [{ recordId: id, msisdn: s.msisdn, kind: 'voice', zone: 'roaming', startedAt: at, durationSeconds: minutes * 60 }]);
  await roam('feb-1', '2026-02-10T08:00:00Z', 2);

  env.clock.set('2026-03-03T07:00:00Z'); // 10:00 in Moscow, 3 March
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'everywhere_home' });
  env.clock.set('2026-03-05T09:00:00Z');
  await disableProduct(core, ctx, { msisdn: 'me', productCode: 'news' });
  await roam('mar-1', '2026-03-05T08:00:00Z', 10);
  env.clock.set('2026-03-20T09:00:00Z');

  const v = await explainBillChange(core, ctx, { msisdn: 'me' });
  assert.equal(v.month, '2026-03');
  assert.equal(v.previousMonth, '2026-02');
  // Moscow months: 1 March 00:00 local is 28 February 21:00 UTC.
  assert.equal(v.total.thisMonth, await ledgerCharges(s.accountId, '2026-02-28T21:00:00Z', '2026-03-31T21:00:00Z'));
  assert.equal(v.total.lastMonth, await ledgerCharges(s.accountId, '2026-01-31T21:00:00Z', '2026-02-28T21:00:00Z'));
  assert.equal(v.total.change, v.total.thisMonth - v.total.lastMonth);
  assert.equal(v.categories.reduce((a, c) => a + c.thisMonth, 0), v.total.thisMonth);
  const cat = (c: string) => v.categories.find((x) => x.category === c)!;
  assert.equal(cat('content').lastMonth, 9900);
  assert.equal(cat('content').thisMonth, 0);
  assert.equal(cat('fees').thisMonth, 3350);
  assert.ok(cat('roaming').thisMonth > cat('roaming').lastMonth && cat('roaming').lastMonth > 0);

  const by = (subject: string) => v.changes.find((c) => c.subject === subject)!;
  assert.deepEqual(by('product:everywhere_home').text, { ru: '+33,50\u00a0₽: «Везде как дома» подключена 3 марта', en: '+RUB 33.50: “Everywhere at home” connected on 3 March' });
  assert.deepEqual(by('product:news').text.ru, '−99\u00a0₽: «Новости» отключена 5 марта');
  assert.match(by('usage:roaming').text.ru, /^\+[\d\u00a0,]+\u00a0₽: роуминг \(.+ против .+\)$/);
  // The largest first.
  for (let i = 1; i < v.changes.length; i++) assert.ok(Math.abs(v.changes[i - 1]!.change) >= Math.abs(v.changes[i]!.change));

  // The same over HTTP, only for the number's own account.
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  const auth = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
  const res = await app.inject({ url: '/api/v1/subscribers/me/bill-change?month=2026-03', headers: auth });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), JSON.parse(JSON.stringify(v)));
  const other = await makeSubscriber(core);
  assert.equal((await app.inject({ url: `/api/v1/subscribers/${other.msisdn}/bill-change`, headers: auth })).statusCode, 404);
  const bad = await app.inject({ url: '/api/v1/subscribers/me/bill-change?month=2026-13', headers: auth });
  assert.equal(bad.statusCode, 400);
});
