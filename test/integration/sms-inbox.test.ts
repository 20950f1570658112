// Incoming SMS are kept `received` until answered: a message whose instance died between recording
// it and replying is answered by the recovery job — once — and a long message is recorded whole in
// the same transaction that assembles its parts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { handleMo, recoverUnhandledMo } from '../../src/channels/sms/handle-mo.ts';
import type { Core } from '../../src/domain/core.ts';
import { assembleMoPart } from '../../src/domain/notifications/assemble-mo-part.ts';
import { claimUnhandledIncoming, recordIncomingSms } from '../../src/domain/notifications/record-incoming-sms.ts';
import { queueReply } from '../../src/domain/notifications/enqueue-sms.ts';
import { holdLocks, makeSubscriber, secondCore, storeKind, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const MINUTE = 60_000;

async function replies(msisdn: string): Promise<string[]> {
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id", [msisdn]);
  return rows.map((r) => r.text);
}
async function statusOf(id: number): Promise<{ status: string; attempts: number; outcome: string | null }> {
  const [r] = await core.db.query<{ status: string; attempts: number; outcome: string | null }>("SELECT status, attempts, meta->>'outcome' AS outcome FROM sms_message WHERE id = $1", [id]);
  return r!;
}
/** An incoming message recorded by an instance that died before it could answer. */
async function recordedOnly(msisdn: string, text: string, smscId: string): Promise<number> {
  const id = await recordIncomingSms(core, { msisdn, to: '8111', text, smscId, gateway: 'test' });
  assert.ok(id !== null);
  return id;
}

test('an answered message is marked handled in the transaction that queues its reply', async () => {
  const s = await makeSubscriber(core, { openingBalance: 12_300 });
  assert.equal(await handleMo(core, { from: s.msisdn, to: '8111', text: 'баланс', smscId: 'inbox-a1', gateway: 'test' }, 'r-a1'), 'replied');
  const [row] = await core.db.query<{ id: number }>("SELECT id FROM sms_message WHERE smsc_id = 'inbox-a1'");
  assert.deepEqual(await statusOf(row!.id), { status: 'handled', attempts: 0, outcome: 'replied' });
  assert.equal(await handleMo(core, { from: 'BANK', to: '8111', text: 'STOP', smscId: 'inbox-a2', gateway: 'test' }, 'r-a2'), 'no_reply_sender');
  const [named] = await core.db.query<{ id: number }>("SELECT id FROM sms_message WHERE smsc_id = 'inbox-a2'");
  assert.equal((await statusOf(named!.id)).status, 'handled');
});

test('a message never answered is answered once by the recovery, and not while it is fresh', async () => {
  const s = await makeSubscriber(core, { openingBalance: 4_200 });
  const id = await recordedOnly(s.msisdn, 'баланс', 'inbox-b1');
  assert.equal(await recoverUnhandledMo(core), 0, 'a message just recorded may still be in hand');
  assert.deepEqual(await replies(s.msisdn), []);
  env.clock.advance(3 * MINUTE);
  assert.equal(await recoverUnhandledMo(core), 1);
  const sent = await replies(s.msisdn);
  assert.equal(sent.length, 1);
  assert.match(sent[0]!, /^Баланс 42,00/);
  assert.deepEqual(await statusOf(id), { status: 'handled', attempts: 1, outcome: 'replied' });
  env.clock.advance(3 * MINUTE);
  assert.equal(await recoverUnhandledMo(core), 0);
  assert.equal((await replies(s.msisdn)).length, 1, 'answered once');
  // The SMSC repeating it changes nothing.
  assert.equal(await handleMo(core, { from: s.msisdn, to: '8111', text: 'баланс', smscId: 'inbox-b1', gateway: 'test' }, 'r-b1'), 'duplicate');
  assert.equal((await replies(s.msisdn)).length, 1);
});

test('a claim whose instance died is released after five minutes; three failed claims give the message up', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1_000 });
  const id = await recordedOnly(s.msisdn, 'помощь', 'inbox-c1');
  env.clock.advance(3 * MINUTE);
  // Another instance claims it and dies.
  assert.deepEqual((await claimUnhandledIncoming(core, { olderThanMs: 2 * MINUTE, limit: 10 })).map((m) => m.id), [id]);
  assert.equal(await recoverUnhandledMo(core), 0, 'a live claim is left alone');
  env.clock.advance(6 * MINUTE);
  assert.equal(await recoverUnhandledMo(core), 1);
  assert.match((await replies(s.msisdn))[0]!, /Команды на 8111/);
  assert.deepEqual(await statusOf(id), { status: 'handled', attempts: 2, outcome: 'replied' });

  // A claim by an instance whose lock nobody holds (it was killed) is released at once.
  const u = await makeSubscriber(core, { openingBalance: 1_000 });
  const left = await recordedOnly(u.msisdn, 'помощь', 'inbox-c3');
  env.clock.advance(3 * MINUTE);
  await core.db.query(`UPDATE sms_message SET status = 'recovering', attempts = 1, meta = meta || jsonb_build_object('claimedAt', $2::timestamptz, 'claimedBy', 'killed-instance') WHERE id = $1`, [left, env.clock.now()]);
  assert.equal(await recoverUnhandledMo(core), 1, 'taken up again within the five minutes');
  assert.deepEqual(await statusOf(left), { status: 'handled', attempts: 2, outcome: 'replied' });

  const t = await makeSubscriber(core);
  const doomed = await recordedOnly(t.msisdn, 'помощь', 'inbox-c2');
  for (let attempt = 1; attempt <= 3; attempt++) {
    env.clock.advance(6 * MINUTE);
    assert.deepEqual((await claimUnhandledIncoming(core, { olderThanMs: 2 * MINUTE, limit: 10 })).map((m) => m.id), [doomed], `claim ${attempt}`);
  }
  env.clock.advance(6 * MINUTE);
  assert.equal(await recoverUnhandledMo(core), 0);
  assert.deepEqual(await statusOf(doomed), { status: 'failed', attempts: 3, outcome: 'gave_up' });
  assert.deepEqual(await replies(t.msisdn), []);
});

test('a long message is recorded whole with its last part; a crash before the answer loses nothing; a redelivered part is dropped; a reused reference starts afresh', async () => {
  const s = await makeSubscriber(core, { openingBalance: 5_000 });
  const part = (seq: number, text: string, ref = 7) =>
    assembleMoPart(core, { msisdn: s.msisdn, shortCode: '8111', ref, total: 2, seq, text, gateway: 'test', dedupeKey: (whole) => `long:${ref}:${whole}:${core.clock.now().getTime()}` });
  assert.deepEqual(await part(2, 'АНС'), { complete: false });
  const whole = await part(1, 'БАЛ');
  assert.ok(whole.complete && whole.id !== null);
  assert.equal(whole.text, 'БАЛАНС');
  assert.equal((await statusOf(whole.id)).status, 'received');
  // The instance dies here; the SMSC, with no answer, sends the last part again.
  assert.deepEqual(await part(1, 'БАЛ'), { complete: false }, 'a redelivered part is not a new message');
  const [{ n }] = (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sms_message WHERE msisdn = $1 AND direction = 'mo'", [s.msisdn])) as [{ n: number }];
  assert.equal(n, 1);
  env.clock.advance(3 * MINUTE);
  assert.equal(await recoverUnhandledMo(core), 1);
  assert.match((await replies(s.msisdn))[0]!, /^Баланс 50,00/);

  // The handset reuses reference 7 for a new message: its first part differs, so the old set goes.
  assert.deepEqual(await part(1, 'ПОМ'), { complete: false });
  const next = await part(2, 'ОЩЬ');
  assert.ok(next.complete && next.id !== null && next.id !== whole.id);
  assert.equal(next.text, 'ПОМОЩЬ');
  const kept = await core.db.query<{ seq: number; text: string }>('SELECT seq, text FROM sms_mo_part WHERE msisdn = $1 ORDER BY seq', [s.msisdn]);
  assert.deepEqual(kept.map((r) => r.text), ['ПОМ', 'ОЩЬ']);
});

test('two replies to one number committed at once: the second waits for the first and queues behind it', async () => {
  const s = await makeSubscriber(core);
  const first = await recordedOnly(s.msisdn, 'баланс', 'inbox-lock-1');
  const second = await recordedOnly(s.msisdn, 'баланс', 'inbox-lock-2');
  const reply = (moId: number) => ({ moId, outcome: 'replied', msisdn: s.msisdn, text: 'Баланс', sender: '8111', kind: 'sms_reply', at: core.clock.now(), mode: 'claim' as const });
  // Another instance's reply to the number, claimed and not yet committed.
  const other = await secondCore(env);
  const held = await holdLocks(other.db, (tx) => 
    tx.query('SELECT * FROM sms_reply_claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [first, 'replied', s.msisdn, '8111', 'Баланс', core.clock.now(), 'claim', 'sms_reply', null, null]),
  );
  let settled = false;
  const mine = queueReply(core, reply(second)).finally(() => (settled = true));
  try {
    if (storeKind === 'postgres') {
      // Without the number's lock this reply would not wait: it would miss the other's uncommitted
      // row and claim its own. It must be seen waiting for the lock before the other one commits.
      const waiting = async () =>
        (await core.db.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%sms_reply_claim%'")).length > 0;
      while (!settled && !(await waiting())) await new Promise((r) => setTimeout(r, 5));
      assert.equal(settled, false, 'the second reply waited for the number');
    }
  } finally {
    await held.release();
  }
  const r = await mine;
  assert.equal(r.claimed, false, 'queued behind the reply still being sent');
  const rows = await core.db.query<{ status: string }>("SELECT status FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id", [s.msisdn]);
  assert.deepEqual(rows.map((x) => x.status), ['sending', 'queued']);
});
