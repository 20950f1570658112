import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import type { Core } from '../../src/domain/core.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { disableProduct } from '../../src/domain/services/disable-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';
import { ctxAs, makeSubscriber, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const usage = fc.record({
  kind: fc.constantFrom('voice', 'sms', 'mms', 'data') as fc.Arbitrary<UsageInput['kind']>,
  zone: fc.constantFrom('home', 'home', 'intercity', 'roaming') as fc.Arbitrary<UsageInput['zone']>,
  seconds: fc.integer({ min: 0, max: 7200 }),
  bytes: fc.integer({ min: 0, max: 3 * 1024 ** 3 }),
});
const op = fc.oneof(
  fc.record({ t: fc.constant('usage' as const), items: fc.array(usage, { minLength: 1, maxLength: 30 }) }),
  fc.record({ t: fc.constant('days' as const), days: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ t: fc.constant('topup' as const), amount: fc.integer({ min: 1, max: 500_000 }) }),
  fc.record({ t: fc.constant('refund' as const), amount: fc.integer({ min: 1, max: 100_000 }) }),
  fc.record({ t: fc.constant('connect' as const), code: fc.constantFrom('ringback', 'weather', 'internet_plus', 'sms_100', 'everywhere_home', 'turbo_1gb') }),
  fc.record({ t: fc.constant('disable' as const), code: fc.constantFrom('ringback', 'weather', 'internet_plus', 'sms_100', 'everywhere_home') }),
);

let run = 0;
test('for any sequence of usage, fees, top-ups and refunds: balance = sum of entries, quotas never negative, replay changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 200_000 }), async (ops, opening) => {
      run++;
      env.clock.set('2026-02-01T09:00:00Z');
      const s = await makeSubscriber(core, { openingBalance: opening, tariffCode: run % 2 ? 'smart' : 'super_day' });
      const sent: UsageInput[] = [];
      let k = 0;
      for (const o of ops) {
        const key = `p${run}-${k++}`;
        try {
          if (o.t === 'usage') {
            const batch = o.items.map((u, i) => ({
              recordId: `${key}-${i}`,
              msisdn: s.msisdn,
              kind: u.kind,
              zone: u.zone,
              startedAt: new Date(env.clock.now().getTime() - i * 1000),
              durationSeconds: u.kind === 'voice' ? u.seconds : null,
              bytes: u.kind === 'data' ? u.bytes : null,
            }));
            sent.push(...batch);
            await ingestUsage(core, systemCtx('prop'), batch);
          } else if (o.t === 'days') {
            env.clock.advance(o.days * 86_400_000);
            await runRecurringFees(core, systemCtx('prop'), { now: env.clock.now() });
          } else if (o.t === 'topup') {
            await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: key }), { msisdn: s.msisdn, amount: o.amount, kind: 'payment', reason: 'prop' });
          } else if (o.t === 'refund') {
            await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: key }), { msisdn: s.msisdn, amount: -o.amount, kind: 'refund', reason: 'prop', allowOverdraft: true });
          } else if (o.t === 'connect') {
            await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: o.code });
          } else {
            await disableProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: o.code });
          }
        } catch (e) {
          if (!isDomainError(e)) throw e; // refusals are fine; anything else is a bug
        }
      }
      const snapshot = async () =>
        core.db.query<{ balance: number; entries: number; used: number; points: number }>(
          `SELECT a.balance, (SELECT count(*)::int FROM ledger_entry WHERE account_id = a.id) AS entries,
                  (SELECT COALESCE(SUM(used), 0)::bigint FROM quota WHERE account_id = a.id) AS used,
                  (SELECT COALESCE(SUM(points), 0)::bigint FROM bonus_entry WHERE account_id = a.id) AS points
             FROM account a WHERE a.id = $1`,
          [s.accountId],
        );
      const before = await snapshot();
      if (sent.length) await ingestUsage(core, systemCtx('prop'), sent);
      await runRecurringFees(core, systemCtx('prop'), { now: env.clock.now() });
      assert.deepEqual(await snapshot(), before, 'replaying every record and the last fee run changes nothing');
      const bad = await core.db.query('SELECT id FROM quota WHERE account_id = $1 AND (used < 0 OR used > included)', [s.accountId]);
      assert.deepEqual(bad, []);
      const lots = await core.db.query<{ ok: boolean }>(
        'SELECT (SELECT COALESCE(SUM(remaining), 0) FROM bonus_lot WHERE account_id = $1) = (SELECT COALESCE(SUM(points), 0) FROM bonus_entry WHERE account_id = $1) AS ok',
        [s.accountId],
      );
      assert.equal(lots[0]!.ok, true, 'points history equals what the lots hold');
    }),
    { numRuns: 25, seed: Number(process.env.FC_SEED ?? 20261127), endOnFailure: true },
  );
  assert.deepEqual((await verifyLedger(core.db)).mismatches, []);
});
