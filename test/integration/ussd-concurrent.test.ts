import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { saveUssdSession, startUssdHop } from '../../src/channels/ussd/ussd-session.ts';
import { countingPrepared, makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { handset } from '../helpers/ussd.ts';

// Hops that arrive together share their store statements (the hop start, the balance, the session
// write). What has to hold: every caller gets exactly the page it would get alone, and its session
// continues from its own state.

let env: TestEnv;
let app: FastifyInstance;
let runs: Map<string, number>;
let subs: { msisdn: string }[];
before(async () => {
  env = await testCore();
  const counted = countingPrepared(env.core);
  runs = counted.runs;
  app = await testApp(counted.core);
  subs = [];
  for (let i = 0; i < 12; i++) subs.push(await makeSubscriber(env.core, { openingBalance: 20_000 + i * 1_234 }));
});
after(async () => {
  await app.close();
  await env.close();
});

const dials = ['*111*5#', '*111#', '*111*1025#', '*152#'];

test('a dozen callers dialling at once each get the page they get alone, from shared statements', async () => {
  const alone: string[] = [];
  for (const [i, s] of subs.entries()) alone.push((await handset(app, s.msisdn).dial(dials[i % dials.length]!)).body);
  // The balance pages differ between callers (their balances differ), so a mix-up would show.
  const balancePages = alone.filter((_, i) => i % dials.length === 0);
  assert.equal(new Set(balancePages).size, balancePages.length);

  runs.clear();
  const together = await Promise.all(subs.map((s, i) => handset(app, s.msisdn).dial(dials[i % dials.length]!)));
  assert.deepEqual(together.map((p) => p.body), alone);
  assert.equal(runs.get('ussd_hop_start_batch'), 1);
  assert.equal(runs.get('ussd_hop_start'), undefined);
});

test('sessions written together continue from their own state at the next hop', async () => {
  const phones = subs.map((s) => handset(app, s.msisdn));
  const menus = await Promise.all(phones.map((p) => p.dial('*111#')));
  for (const m of menus) assert.equal(m.end, false);
  // Each chooses the balance from its own menu; a session mixed up with another's, or lost,
  // would answer with another menu or start over.
  const pages = await Promise.all(phones.map((p, i) => p.pick(/Баланс|Balance/).then(() => phones[i]!.pages.at(-1)!)));
  const alone: string[] = [];
  for (const s of subs) alone.push((await handset(app, s.msisdn).dial('*111*5#')).text);
  pages.forEach((p, i) => assert.equal(p.text, alone[i]));
});

test('session writes made together are one statement; of two for one caller the later wins', async () => {
  const { core, runs: writes } = countingPrepared(env.core);
  const hops = await Promise.all(subs.slice(0, 3).map((s) => startUssdHop(core, s.msisdn, null)));
  const callers = hops.map((h) => h!.caller);
  const at = env.clock.now();
  const row = (sessionId: string, consumed: number) => ({
    sessionId, serviceCode: '*111#', stack: [{ n: 'root', p: 0 }], consumed, lastReply: { text: `page ${sessionId}`, end: false }, ended: false, startedAt: at, updatedAt: at,
  });
  await Promise.all([
    saveUssdSession(core, callers[0]!, row('w-a', 1)),
    saveUssdSession(core, callers[1]!, row('w-b', 2)),
    saveUssdSession(core, callers[0]!, row('w-a2', 3)),
    saveUssdSession(core, callers[2]!, row('w-c', 4)),
  ]);
  assert.equal(writes.get('ussd_session_save_batch'), 1);
  assert.equal(writes.get('ussd_session_save'), undefined);
  const stored = await Promise.all(subs.slice(0, 3).map((s) => startUssdHop(env.core, s.msisdn, null)));
  assert.deepEqual(stored.map((h) => [h!.session!.sessionId, h!.session!.consumed, h!.session!.lastReply.text]), [
    ['w-a2', 3, 'page w-a2'],
    ['w-b', 2, 'page w-b'],
    ['w-c', 4, 'page w-c'],
  ]);
});

test("one caller's write that the store refuses fails that caller only", async () => {
  const hops = await Promise.all(subs.slice(3, 6).map((s) => startUssdHop(env.core, s.msisdn, null)));
  const at = env.clock.now();
  const row = (sessionId: string) => ({
    sessionId, serviceCode: '*111#', stack: [{ n: 'root', p: 0 }], consumed: 0, lastReply: { text: 'menu', end: false }, ended: false, startedAt: at, updatedAt: at,
  });
  const results = await Promise.allSettled([
    saveUssdSession(env.core, hops[0]!.caller, row('iso-a')),
    saveUssdSession(env.core, hops[1]!.caller, row('iso-\u0000-b')), // text may not hold NUL
    saveUssdSession(env.core, hops[2]!.caller, row('iso-c')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const stored = await Promise.all(subs.slice(3, 6).map((s) => startUssdHop(env.core, s.msisdn, null)));
  assert.equal(stored[0]!.session!.sessionId, 'iso-a');
  assert.notEqual(stored[1]!.session?.sessionId, 'iso-\u0000-b');
  assert.equal(stored[2]!.session!.sessionId, 'iso-c');
});
