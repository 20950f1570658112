import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import type { Core } from '../../src/domain/core.ts';
import { acceptFamilyInvitation, setFamilyLimit, setFamilyPlan } from '../../src/domain/family/answer-membership.ts';
import { getFamily } from '../../src/domain/family/get-family.ts';
import { inviteFamilyMember } from '../../src/domain/family/invite-member.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';
import { formatMsisdn } from '../../src/domain/shared/msisdn.ts';
import { capsAction, connectProductAction, dataLiftAction, perform } from '../../src/domain/actions/registry.ts';
import { handset } from '../helpers/ussd.ts';
import { ledgerSum, makeSubscriber, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

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

async function login() {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { ...s, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

let n = 0;
async function sms(from: string, text: string): Promise<string> {
  n += 1;
  env.clock.advance(60_000);
  await handleMo(core, { from, to: '8111', text, smscId: `fam-${n}`, gateway: 'test' }, `req-fam-${n}`);
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [from]);
  return rows[0]!.text;
}

const isFamily = (reason: string) => (e: unknown) => isDomainError(e) && e.code === 'FAMILY_NOT_ALLOWED' && e.params.reason === reason;

test('a head invites in the app; one invitee joins by SMS "ДА", another in the app; the head sees their limits and spending, a member only their own', async () => {
  const head = await login();
  const a = await login();
  const b = await login();
  const stranger = await login();
  for (const who of [a, b]) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/family/invitations', headers: head.auth, payload: { to: who.msisdn } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const invite = await core.db.query<{ text: string }>(`SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'family_invite'`, [a.msisdn]);
  assert.match(invite[0]!.text, /приглашает вас в семейную группу\. Чтобы вступить, ответьте ДА/);

  assert.match(await sms(a.msisdn, 'да'), /Вы вступили в семейную группу номера \+7 955/);
  const joined = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/family/accept', headers: b.auth });
  assert.equal(joined.statusCode, 200, joined.body);

  // Some spending by a: a roaming call.
  await ingestUsage(core, systemCtx('test'), [{ recordId: `fam-a-${a.msisdn}`, msisdn: a.msisdn, kind: 'voice', zone: 'roaming', startedAt: core.clock.now().toISOString(), durationSeconds: 60 }]);
  const limit = await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/family/members/${a.msisdn}/limit`, headers: head.auth, payload: { limit: 50_000 } });
  assert.equal(limit.statusCode, 200, limit.body);

  const view = (await app.inject({ url: '/api/v1/subscribers/me/family', headers: head.auth })).json();
  assert.equal(view.role, 'head');
  const ma = view.members.find((m: { msisdn: string }) => m.msisdn === a.msisdn);
  assert.equal(ma.status, 'active');
  assert.equal(ma.monthlyLimit, 50_000);
  assert.ok(ma.spentThisMonth > 0);
  const mine = (await app.inject({ url: '/api/v1/subscribers/me/family', headers: a.auth })).json();
  assert.deepEqual([mine.role, mine.head, mine.monthlyLimit, mine.members], ['member', head.msisdn, 50_000, []]);
  assert.equal(mine.spentThisMonth, ma.spentThisMonth);
  // Nobody else sees the group.
  assert.equal((await app.inject({ url: `/api/v1/subscribers/${head.msisdn}/family`, headers: stranger.auth })).statusCode, 404);
  const none = (await app.inject({ url: '/api/v1/subscribers/me/family', headers: stranger.auth })).json();
  assert.deepEqual([none.role, none.members, none.head], ['none', [], null]);
  // A member cannot set limits or remove anyone.
  const notHead = await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/family/members/${b.msisdn}/limit`, headers: a.auth, payload: { limit: 1 } });
  assert.equal(notHead.statusCode, 409);
  assert.match(notHead.body, /Это может сделать только глава семейной группы/);

  // Anyone can leave; the head can remove.
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/family/leave', headers: b.auth })).statusCode, 200);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/subscribers/me/family/members/${a.msisdn}`, headers: head.auth })).statusCode, 200);
  const after = (await app.inject({ url: '/api/v1/subscribers/me/family', headers: head.auth })).json();
  assert.deepEqual(after.members, []);
  const audit = await core.db.query<{ action: string }>(`SELECT action FROM audit_event WHERE action LIKE 'family.%' AND subscriber_id = $1 ORDER BY id`, [head.subscriberId]);
  assert.deepEqual(audit.map((x) => x.action), ['family.invite', 'family.invite', 'family.joined', 'family.joined', 'family.set_limit', 'family.remove']);
});

test('at most five members: a sixth invitation is refused, and parallel acceptances never make a sixth member', async () => {
  const head = await makeSubscriber(core);
  const ctx = subscriberCtx(head.subscriberId);
  const invitees = await Promise.all(Array.from({ length: 6 }, () => makeSubscriber(core)));
  for (const s of invitees.slice(0, 5)) await inviteFamilyMember(core, ctx, { msisdn: 'me', to: s.msisdn });
  await assert.rejects(inviteFamilyMember(core, ctx, { msisdn: 'me', to: invitees[5]!.msisdn }), isFamily('full'));
  // Each of the five answers at once; all join, and still five.
  const res = await Promise.allSettled(invitees.slice(0, 5).map((s) => acceptFamilyInvitation(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })));
  assert.deepEqual(res.map((r) => r.status), Array(5).fill('fulfilled'));
  const [c] = await core.db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM family_member m JOIN family_group g ON g.id = m.group_id WHERE g.head_subscriber_id = $1 AND status = 'active'`, [head.subscriberId]);
  assert.equal(Number(c!.n), 5);
  // A member cannot be invited into another group, nor invite their own number.
  const other = await makeSubscriber(core);
  await assert.rejects(inviteFamilyMember(core, subscriberCtx(other.subscriberId), { msisdn: 'me', to: invitees[0]!.msisdn }), isFamily('in_group'));
  await assert.rejects(inviteFamilyMember(core, subscriberCtx(other.subscriberId), { msisdn: 'me', to: other.msisdn }), isFamily('self'));
  await assert.rejects(inviteFamilyMember(core, subscriberCtx(other.subscriberId), { msisdn: 'me', to: '79990001111' }), isFamily('recipient'));
  // An invitation lapses after 24 hours.
  await inviteFamilyMember(core, subscriberCtx(other.subscriberId), { msisdn: 'me', to: invitees[5]!.msisdn });
  env.clock.advance(25 * 3_600_000);
  await assert.rejects(acceptFamilyInvitation(core, subscriberCtx(invitees[5]!.subscriberId), { msisdn: 'me' }), isFamily('no_invitation'));
  assert.match(await sms(invitees[5]!.msisdn, 'ДА'), /Нет запроса, ожидающего подтверждения/);
});

const MB = 1024 * 1024;
let r = 0;
const rec = (msisdn: string, x: Partial<UsageInput>): UsageInput => ({ recordId: `fr-${++r}`, msisdn, kind: 'voice', zone: 'home', startedAt: env.clock.now(), durationSeconds: 60, ...x });
const useUp = (subscriberId: number) => core.db.query('UPDATE quota SET used = included WHERE subscriber_id = $1', [subscriberId]);
const bytesQuota = async (subscriberId: number) =>
  (await core.db.query<{ id: number; used: number; included: number }>("SELECT id, used, included FROM quota WHERE subscriber_id = $1 AND unit = 'bytes'", [subscriberId])).map((q) => ({ id: Number(q.id), used: Number(q.used), included: Number(q.included) }))[0]!;
/** A head and members who have joined, by the use cases. */
async function family(members: number, balance = 100_000) {
  const head = await makeSubscriber(core, { openingBalance: balance });
  const ms = await Promise.all(Array.from({ length: members }, () => makeSubscriber(core, { openingBalance: balance })));
  for (const m of ms) {
    await inviteFamilyMember(core, subscriberCtx(head.subscriberId), { msisdn: 'me', to: m.msisdn });
    await acceptFamilyInvitation(core, subscriberCtx(m.subscriberId), { msisdn: 'me' });
  }
  return { head, ms };
}

test("family billing: a member draws on the head's package once its own is used up; the limit refuses with FAMILY_LIMIT; the head pays members' fees", async () => {
  const { head, ms } = await family(2);
  const [a, b] = ms as [Awaited<ReturnType<typeof makeSubscriber>>, Awaited<ReturnType<typeof makeSubscriber>>];
  // The plan by default: both. A's own data is used up: 2,000 KB come from the head's package, free.
  await useUp(a.subscriberId);
  const before = await bytesQuota(head.subscriberId);
  const drawn = await ingestUsage(core, systemCtx('test'), [rec(a.msisdn, { kind: 'data', bytes: 2_048_000, durationSeconds: null })]);
  assert.equal(drawn.charged, 0);
  assert.equal((await bytesQuota(head.subscriberId)).used - before.used, 2_048_000);
  const [row] = await core.db.query<{ consumed: { quotaId: number }[] }>('SELECT consumed FROM usage_record WHERE subscriber_id = $1', [a.subscriberId]);
  assert.deepEqual(row!.consumed.map((c) => c.quotaId), [before.id]);

  // The head changes the plan in the app to "pays fees" only; a member may not.
  await setPasswordHash(core.db, head.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const token = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: head.msisdn, password: 'pw-12345' } })).json<{ token: string }>().token;
  const auth = { authorization: `Bearer ${token}` };
  const plan = await app.inject({ method: 'PUT', url: '/api/v1/subscribers/me/family/plan', headers: auth, payload: { plan: 'head_pays' } });
  assert.equal(plan.statusCode, 200, plan.body);
  const bad = await app.inject({ method: 'PUT', url: '/api/v1/subscribers/me/family/plan', headers: auth, payload: { plan: 'everything' } });
  assert.equal(bad.statusCode, 400, bad.body);
  await assert.rejects(setFamilyPlan(core, subscriberCtx(a.subscriberId), { msisdn: 'me', plan: 'both' }), isFamily('not_head'));
  const paid = await ingestUsage(core, systemCtx('test'), [rec(a.msisdn, { kind: 'data', bytes: MB, durationSeconds: null })]);
  assert.equal(paid.charged, 1_063, 'no longer from the head: 1,100 KB at 9.90 ₽ a MB');
  assert.equal((await bytesQuota(head.subscriberId)).used - before.used, 2_048_000);

  // A limit of 50 ₽ a month: 10.63 ₽ is spent, so two roaming minutes at 15 ₽ fit and the third is refused.
  await setFamilyLimit(core, subscriberCtx(head.subscriberId), { msisdn: 'me', member: a.msisdn, limit: 5_000 });
  const calls = await ingestUsage(core, systemCtx('test'), [1, 2, 3, 4].map(() => rec(a.msisdn, { zone: 'roaming' })));
  assert.equal(calls.charged, 3_000);
  assert.deepEqual(calls.refused?.map((x) => x.reason), ['FAMILY_LIMIT', 'FAMILY_LIMIT']);
  const alerts = await core.db.query<{ kind: string; text_ru: string; text_en: string }>('SELECT kind, text_ru, text_en FROM alert WHERE subscriber_id = $1', [a.subscriberId]);
  assert.deepEqual(alerts.map((x) => x.kind), ['cap_family'], 'told once');
  assert.match(alerts[0]!.text_ru, /^Достигнут месячный лимит расходов 50\u00a0₽, установленный главой семейной группы/);
  assert.match(alerts[0]!.text_en, /^You have reached the monthly spending limit of RUB 50 set by the head of your family group/);
  // B has no limit: the same calls go through.
  assert.equal((await ingestUsage(core, systemCtx('test'), [1, 2, 3, 4].map(() => rec(b.msisdn, { zone: 'roaming' })))).refused, undefined);
  const got = await app.inject({ url: '/api/v1/subscribers/me/family', headers: auth });
  assert.equal(got.statusCode, 200, got.body);
  const view = got.json<{ plan: string; members: { msisdn: string; spentThisMonth: number }[] }>();
  assert.equal(view.plan, 'head_pays');
  assert.equal(view.members.find((m) => m.msisdn === a.msisdn)!.spentThisMonth, 4_063);

  // A month on, the fee run charges both members' tariff fees to the head's account, booked on each member.
  const headBefore = (await ledgerSum(core, head.accountId)).balance;
  env.clock.advance(32 * 86_400_000);
  await runRecurringFees(core, systemCtx('test'), { now: env.clock.now() });
  const fees = await core.db.query<{ account_id: number; subscriber_id: number; amount: number }>(
    "SELECT account_id, subscriber_id, amount FROM ledger_entry WHERE kind = 'fee' AND subscriber_id = ANY($1::bigint[]) ORDER BY subscriber_id",
    [[head.subscriberId, a.subscriberId, b.subscriberId]],
  );
  assert.deepEqual(
    fees.map((f) => [Number(f.account_id), Number(f.subscriber_id), Number(f.amount)]),
    [[head.accountId, head.subscriberId, -55_000], [head.accountId, a.subscriberId, -55_000], [head.accountId, b.subscriberId, -55_000]].sort((x, y) => x[1]! - y[1]!),
  );
  assert.equal((await ledgerSum(core, head.accountId)).balance, headBefore - 165_000);
  for (const s of [head, a, b]) {
    const l = await ledgerSum(core, s.accountId);
    assert.equal(l.balance, Number(l.sum));
  }
  // The member's spending this month is the fee the head paid for it.
  const mine = await getFamily(core, subscriberCtx(head.subscriberId), { msisdn: 'me' });
  assert.equal(mine.members.find((m) => m.msisdn === b.msisdn)!.spentThisMonth, 55_000);
});

test('property: members rating at once over two instances never overdraw the shared package nor pass their limits; the ledger sums to the balances', async () => {
  const other = await secondCore(env);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 500, max: 4_000 }), { minLength: 3, maxLength: 3 }),
      fc.array(fc.array(fc.record({ member: fc.nat(2), mb: fc.integer({ min: 1, max: 3 }), roaming: fc.boolean() }), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 5 }),
      async (limits, batches) => {
        const { head, ms } = await family(3, 1_000_000);
        // The head's package has 4 MB left; the members' own packages are used up.
        await core.db.query("UPDATE quota SET used = included - $2 WHERE subscriber_id = $1 AND unit = 'bytes'", [head.subscriberId, 4 * MB]);
        for (const [i, m] of ms.entries()) {
          await useUp(m.subscriberId);
          await setFamilyLimit(core, subscriberCtx(head.subscriberId), { msisdn: 'me', member: m.msisdn, limit: limits[i]! });
        }
        const start = await bytesQuota(head.subscriberId);
        const res = await Promise.allSettled(
          batches.map((b, i) =>
            ingestUsage(i % 2 ? other : core, systemCtx('test'), b.map((x) => (x.roaming ? rec(ms[x.member]!.msisdn, { zone: 'roaming' }) : rec(ms[x.member]!.msisdn, { kind: 'data', bytes: x.mb * MB, durationSeconds: null })))),
          ),
        );
        assert.deepEqual(res.filter((x) => x.status === 'rejected'), []);
        const end = await bytesQuota(head.subscriberId);
        assert.ok(end.used <= end.included);
        const [drawn] = await core.db.query<{ n: number }>(
          `SELECT coalesce(sum((c->>'units')::bigint), 0)::bigint AS n FROM usage_record u CROSS JOIN LATERAL jsonb_array_elements(u.consumed) c
            WHERE u.subscriber_id = ANY($1::bigint[]) AND (c->>'quotaId')::bigint = $2`,
          [ms.map((m) => m.subscriberId), start.id],
        );
        assert.equal(Number(drawn!.n), end.used - start.used, 'every unit drawn from the head is booked once');
        for (const [i, m] of ms.entries()) {
          const [spent] = await core.db.query<{ n: number }>("SELECT coalesce(sum(-amount), 0)::bigint AS n FROM ledger_entry WHERE subscriber_id = $1 AND kind = 'usage'", [m.subscriberId]);
          assert.ok(Number(spent!.n) <= limits[i]!, `member ${i} spent ${spent!.n} > ${limits[i]}`);
        }
        for (const s of [head, ...ms]) {
          const l = await ledgerSum(core, s.accountId);
          assert.equal(Number(l.balance), Number(l.sum));
        }
        const [booked] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_record WHERE subscriber_id = ANY($1::bigint[])', [ms.map((m) => m.subscriberId)]);
        assert.equal(booked!.n, batches.flat().length);
      },
    ),
    { numRuns: 8 },
  );
});

test('SMS: СЕМЬЯ <number> invites (any common number form), the invitee answers ДА; СЕМЬЯ alone states the group; a refusal in words', async () => {
  const head = await makeSubscriber(core);
  const kid = await makeSubscriber(core);
  assert.equal(await sms(head.msisdn, `семья 8 ${kid.msisdn.slice(1, 4)} ${kid.msisdn.slice(4)}`), `Приглашение отправлено на ${formatMsisdn(kid.msisdn)}: чтобы вступить, нужно ответить ДА в течение 24 часов.`);
  assert.match(await sms(kid.msisdn, 'ДА'), /^Вы вступили в семейную группу номера/);
  assert.equal(await sms(head.msisdn, 'СЕМЬЯ'), 'В вашей семейной группе 1\u00a0участник из 5. Пригласить: СЕМЬЯ 79XXXXXXXXX.');
  assert.match(await sms(kid.msisdn, 'семья'), /^Вы в семейной группе номера /);
  assert.equal(await sms(head.msisdn, `СЕМЬЯ ${head.msisdn}`), 'Нельзя пригласить в семейную группу свой же номер');
});

test('USSD *111*976#: the head types a number, confirms, the invitation goes out (family.invite); *111*976*<number># asks only the confirmation; a member sees whose group it is; a bad number is refused in words', async () => {
  const head = await makeSubscriber(core);
  const kid = await makeSubscriber(core);
  const gran = await makeSubscriber(core);
  let p = await handset(app, head.msisdn).dial('*111*976#');
  assert.equal(p.text, 'Семья: 0\u00a0участников из 5.\nПригласить: номер, 11 цифр (79XXXXXXXXX):\n0 Назад');
  const phone = handset(app, head.msisdn);
  await phone.dial('*111*976#');
  p = await phone.send(`8${kid.msisdn.slice(1)}`);
  assert.equal(p.text, `Пригласить ${formatMsisdn(kid.msisdn)} в семейную группу?\nБесплатно\n1 Подтвердить\n0 Отмена`);
  p = await phone.send('1');
  assert.deepEqual([p.end, p.text], [true, `Приглашение отправлено на ${formatMsisdn(kid.msisdn)}. Вступить: ответить ДА за 24 часа`]);
  assert.match(await sms(kid.msisdn, 'ДА'), /^Вы вступили в семейную группу номера/);

  const direct = handset(app, head.msisdn);
  p = await direct.dial(`*111*976*${gran.msisdn}#`);
  assert.ok(p.text.startsWith(`Пригласить ${formatMsisdn(gran.msisdn)} в семейную группу?`), p.text);
  p = await direct.send('1');
  assert.ok(p.text.startsWith('Приглашение отправлено'), p.text);
  const view = await getFamily(core, subscriberCtx(head.subscriberId), { msisdn: 'me' });
  assert.deepEqual(view.members.map((x) => [x.msisdn, x.status]).sort(), [[kid.msisdn, 'active'], [gran.msisdn, 'invited']].sort());
  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE subscriber_id = $1 AND action = 'family.invite' AND outcome = 'ok'", [head.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['ussd', 'ussd']);

  p = await handset(app, kid.msisdn).dial('*111*976#');
  assert.deepEqual([p.end, p.text], [true, `Вы в семейной группе номера ${formatMsisdn(head.msisdn)}`]);
  const bad = handset(app, head.msisdn);
  await bad.dial('*111*976#');
  p = await bad.send('12345');
  assert.equal(p.text, 'Это не номер телефона: нужно 11 цифр, 79XXXXXXXXX\n0 Назад');
  p = await handset(app, head.msisdn).dial(`*111*976*${head.msisdn}#`);
  assert.match(p.text, /^Нельзя пригласить в семейную группу свой же номер/u);
});

test("head pays one-off fees too: a member's connection fee, one-off price and data-cap lift go to the head's account (booked on the member, once per key); under shared_package the member pays its own", async () => {
  const head = await makeSubscriber(core, { openingBalance: 100_000 });
  const a = await makeSubscriber(core, { openingBalance: 0 }); // A's own money would not cover it: the head's does
  const b = await makeSubscriber(core, { openingBalance: 100_000 });
  for (const m of [a, b]) {
    await inviteFamilyMember(core, subscriberCtx(head.subscriberId), { msisdn: 'me', to: m.msisdn });
    await acceptFamilyInvitation(core, subscriberCtx(m.subscriberId), { msisdn: 'me' });
  }
  await setFamilyPlan(core, subscriberCtx(head.subscriberId), { msisdn: 'me', plan: 'head_pays' });
  const headBefore = Number((await ledgerSum(core, head.accountId)).balance);
  const ctxA = subscriberCtx(a.subscriberId, { idempotencyKey: `fam-doma-${a.msisdn}` });
  const doma = await perform(core, ctxA, connectProductAction, 'me', { productCode: 'everywhere_home' });
  assert.deepEqual([doma.charged, doma.balance], [3_350, 0]);
  await perform(core, ctxA, connectProductAction, 'me', { productCode: 'everywhere_home' }); // the same key: the first answer, no second charge
  await perform(core, subscriberCtx(a.subscriberId), capsAction, 'me', { dataHard: true });
  assert.equal((await dataLiftAction.offer(core, subscriberCtx(a.subscriberId), { msisdn: 'me' })).refusal, null, "the head's money covers the lift");
  await perform(core, subscriberCtx(a.subscriberId), dataLiftAction, 'me', {});
  const entries = await core.db.query<{ account_id: number; amount: number; category: string }>(
    "SELECT account_id, amount, category FROM ledger_entry WHERE subscriber_id = $1 AND kind = 'fee' ORDER BY id",
    [a.subscriberId],
  );
  assert.deepEqual(entries.map((e) => [Number(e.account_id), Number(e.amount), e.category]), [
    [head.accountId, -3_000, 'one_off'],
    [head.accountId, -350, 'subscription'],
    [head.accountId, -9_900, 'internet'],
  ]);
  assert.equal(Number((await ledgerSum(core, head.accountId)).balance), headBefore - 13_250);
  const audit = await core.db.query<{ details: { paidBy?: string } }>("SELECT details FROM audit_event WHERE subscriber_id = $1 AND action = 'product.connect' AND outcome = 'ok'", [a.subscriberId]);
  assert.deepEqual(audit.map((x) => x.details.paidBy), [head.msisdn]);

  // With only the package shared, B pays its own one-off price.
  await setFamilyPlan(core, subscriberCtx(head.subscriberId), { msisdn: 'me', plan: 'shared_package' });
  const turbo = await perform(core, subscriberCtx(b.subscriberId), connectProductAction, 'me', { productCode: 'turbo_1gb' });
  assert.equal(turbo.balance, 100_000 - 10_000);
  for (const s of [head, a, b]) {
    const l = await ledgerSum(core, s.accountId);
    assert.equal(Number(l.balance), Number(l.sum));
  }
});

/** On PostgreSQL: waits until a backend waits on a lock `pid` holds, and returns its pid. */
async function blockedBy(pid: number): Promise<number> {
  for (let i = 0; i < 1_000; i++) {
    const [w] = await core.db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))', [pid]);
    if (w) return Number(w.pid);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`nothing waited on backend ${pid}`);
}

test("a member's paid connection and its family's rating at once never deadlock: both accounts are locked up front in id order, as rating locks them", async () => {
  const other = await secondCore(env);
  const { head, ms } = await family(1, 1_000_000);
  const m = ms[0]!;
  await setFamilyPlan(core, subscriberCtx(head.subscriberId), { msisdn: 'me', plan: 'both' });
  assert.ok(head.accountId < m.accountId, "rating locks the head's account first");
  if (core.db.kind === 'postgres') {
    // Deterministically: the connection stops on its idempotency key (held by another instance's
    // open transaction) after taking its locks; a rating batch of the member then waits on it.
    // Had the connection locked only the member's account by then (the head's after, when it
    // charges), the batch would hold the head's and the two would deadlock once the key is free.
    const key = `fam-race-${m.msisdn}`;
    let open!: () => void;
    const gate = new Promise<void>((res) => (open = res));
    let holding!: (pid: number) => void;
    const held = new Promise<number>((res) => (holding = res));
    const rolledBack = new Error('rolled back');
    // Settles (never rejects) when the holder's transaction has ended: rolled back, or failed.
    const holder = other.db
      .tx(async (tx) => {
        const [p] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await tx.query("INSERT INTO idempotency_record (scope, key, operation, fingerprint, result) VALUES ($1, $2, 'product.connect', 'x', 'null')", [`account:${m.accountId}`, key]);
        holding(Number(p!.pid));
        await gate;
        throw rolledBack;
      })
      .then(
        () => new Error('the holder committed'),
        (e: unknown) => e,
      );
    const first = await Promise.race([held, holder]);
    if (typeof first !== 'number') throw first;
    const connecting = perform(core, subscriberCtx(m.subscriberId, { idempotencyKey: key }), connectProductAction, 'me', { productCode: 'everywhere_home' });
    connecting.catch(() => undefined); // judged below, once the holder is gone
    const connection = await blockedBy(first);
    const rating = ingestUsage(other, systemCtx('test'), [rec(m.msisdn, { kind: 'data', bytes: MB, durationSeconds: null })]);
    rating.catch(() => undefined);
    await blockedBy(connection);
    open();
    assert.equal(await holder, rolledBack);
    const [c, u] = await Promise.allSettled([connecting, rating]);
    assert.equal(c.status === 'fulfilled' && c.value.charged, 3_350, c.status === 'rejected' ? String(c.reason) : 'charged');
    assert.equal(u.status === 'fulfilled' && u.value.accepted, 1, u.status === 'rejected' ? String(u.reason) : 'rated');
  }

  // And at random: members' connections and the family's rating batches over two instances.
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 500, max: 4_000 }), { minLength: 3, maxLength: 3 }),
      fc.array(fc.array(fc.record({ member: fc.nat(2), mb: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
      async (limits, batches) => {
        const { head, ms } = await family(3, 1_000_000);
        await setFamilyPlan(core, subscriberCtx(head.subscriberId), { msisdn: 'me', plan: 'both' });
        await core.db.query("UPDATE quota SET used = included - $2 WHERE subscriber_id = $1 AND unit = 'bytes'", [head.subscriberId, 4 * MB]);
        for (const [i, m] of ms.entries()) {
          await useUp(m.subscriberId);
          await setFamilyLimit(core, subscriberCtx(head.subscriberId), { msisdn: 'me', member: m.msisdn, limit: limits[i]! });
        }
        const headBefore = Number((await ledgerSum(core, head.accountId)).balance);
        const res = await Promise.allSettled([
          ...ms.map((m, i) => perform(i % 2 ? other : core, subscriberCtx(m.subscriberId), connectProductAction, 'me', { productCode: 'everywhere_home' })),
          ...batches.map((b, i) => ingestUsage(i % 2 ? core : other, systemCtx('test'), b.map((x) => rec(ms[x.member]!.msisdn, { kind: 'data', bytes: x.mb * MB, durationSeconds: null })))),
        ]);
        assert.deepEqual(res.filter((x) => x.status === 'rejected'), []);
        const end = await bytesQuota(head.subscriberId);
        assert.ok(end.used <= end.included, "the head's package is never overdrawn");
        for (const [i, m] of ms.entries()) {
          const [spent] = await core.db.query<{ n: number }>("SELECT coalesce(sum(-amount), 0)::bigint AS n FROM ledger_entry WHERE subscriber_id = $1 AND kind = 'usage'", [m.subscriberId]);
          assert.ok(Number(spent!.n) <= limits[i]!, `member ${i} spent ${spent!.n} > ${limits[i]}`);
        }
        const [fees] = await core.db.query<{ n: number }>("SELECT coalesce(sum(-amount), 0)::bigint AS n FROM ledger_entry WHERE account_id = $1 AND subscriber_id = ANY($2::bigint[]) AND kind = 'fee'", [
          head.accountId,
          ms.map((m) => m.subscriberId),
        ]);
        assert.equal(Number(fees!.n), 3 * 3_350, "each member's connection is paid once, by the head");
        const headUsage = await core.db.query<{ n: number }>("SELECT coalesce(sum(-amount), 0)::bigint AS n FROM ledger_entry WHERE account_id = $1 AND kind = 'usage'", [head.accountId]);
        assert.equal(Number((await ledgerSum(core, head.accountId)).balance), headBefore - 3 * 3_350 - Number(headUsage[0]!.n));
        for (const s of [head, ...ms]) {
          const l = await ledgerSum(core, s.accountId);
          assert.equal(Number(l.balance), Number(l.sum));
        }
      },
    ),
    { numRuns: 4 },
  );
});
