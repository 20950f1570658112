import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { acceptFamilyInvitation } from '../../src/domain/family/answer-membership.ts';
import { inviteFamilyMember } from '../../src/domain/family/invite-member.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';
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
