import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createSession } from '../../src/domain/auth/sessions.ts';
import type { Core } from '../../src/domain/core.ts';
import { createTicket, TICKETS_PER_DAY } from '../../src/domain/support/create-ticket.ts';
import type { Idea } from '../../src/domain/support/idea-view.ts';
import type { Ticket } from '../../src/domain/support/ticket-view.ts';
import { IDEAS_PER_DAY } from '../../src/domain/support/submit-idea.ts';
import { voteIdea } from '../../src/domain/support/vote-idea.ts';
import { DEMO, seedDemoAccounts } from '../../src/seed/seed-demo.ts';
import { makeSubscriber, refusal, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
type Sub = Awaited<ReturnType<typeof makeSubscriber>> & { token: string };
let a: Sub;
let b: Sub;
let premium: Sub;

async function withSession(s: Awaited<ReturnType<typeof makeSubscriber>>): Promise<Sub> {
  const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' });
  return { ...s, token };
}

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  a = await withSession(await makeSubscriber(core));
  b = await withSession(await makeSubscriber(core));
  premium = await withSession(await makeSubscriber(core, { tariffCode: 'premium', openingBalance: 500_000 }));
});
after(async () => {
  await app?.close();
  await env?.close();
});

const auth = (s: { token: string }, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${s.token}`, ...extra });

function send(method: 'GET' | 'POST' | 'DELETE', url: string, who: { token: string } | null, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method, url, headers: { ...(who ? auth(who) : {}), ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
}

function problem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body.slice(0, 400));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const p = res.json<Record<string, unknown>>();
  assert.equal(p.code, code);
  return p;
}

async function countTickets(subscriberId: number): Promise<number> {
  return (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket WHERE subscriber_id = $1', [subscriberId]))[0]!.n;
}

test('a subscriber writes to support and sees the ticket, newest first, with its messages', async () => {
  const first = await send('POST', '/api/v1/subscribers/me/tickets', a, { kind: 'question', subject: 'Роуминг', text: 'Как подключить роуминг?\nЕду в Турцию.' });
  assert.equal(first.statusCode, 201, first.body);
  const t1 = first.json<Ticket>();
  assert.match(t1.id, /^\d+$/);
  assert.deepEqual(
    { kind: t1.kind, subject: t1.subject, status: t1.status, priority: t1.priority, messages: t1.messages.map((m) => [m.author, m.text]) },
    { kind: 'question', subject: 'Роуминг', status: 'open', priority: 'normal', messages: [['subscriber', 'Как подключить роуминг?\nЕду в Турцию.']] },
  );
  assert.equal(t1.createdAt, core.clock.now().toISOString());
  env.clock.advance(60_000);
  const t2 = (await send('POST', '/api/v1/subscribers/me/tickets', a, { kind: 'thanks', subject: 'Спасибо', text: 'Быстро помогли' })).json<Ticket>();

  const list = await send('GET', '/api/v1/subscribers/me/tickets', a);
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json<{ items: Ticket[] }>().items.map((t) => t.id), [t2.id, t1.id]);
  // The same list under the number itself.
  assert.deepEqual((await send('GET', `/api/v1/subscribers/${a.msisdn}/tickets`, a)).json<{ items: Ticket[] }>().items.map((t) => t.id), [t2.id, t1.id]);

  const one = await send('GET', `/api/v1/subscribers/me/tickets/${t1.id}`, a);
  assert.deepEqual(one.json<Ticket>(), t1);

  env.clock.advance(60_000);
  const more = await send('POST', `/api/v1/subscribers/me/tickets/${t1.id}/messages`, a, { text: 'И ещё: нужен интернет.' });
  assert.equal(more.statusCode, 201, more.body);
  const t1b = more.json<Ticket>();
  assert.deepEqual(t1b.messages.map((m) => m.text), ['Как подключить роуминг?\nЕду в Турцию.', 'И ещё: нужен интернет.']);
  assert.equal(t1b.updatedAt, core.clock.now().toISOString());
  assert.notEqual(t1b.updatedAt, t1b.createdAt);

  const audit = await core.db.query<{ action: string }>("SELECT action FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'support.%' AND outcome = 'ok' ORDER BY id", [a.subscriberId]);
  assert.deepEqual(audit.map((r) => r.action), ['support.ticket_create', 'support.ticket_create', 'support.ticket_message']);
});

test('priority comes from the tariff: premium plans are high, others normal', async () => {
  const p = (await send('POST', '/api/v1/subscribers/me/tickets', premium, { kind: 'complaint', subject: 'Нет связи', text: 'С утра нет сети' })).json<Ticket>();
  const n = (await send('POST', '/api/v1/subscribers/me/tickets', b, { kind: 'complaint', subject: 'Нет связи', text: 'С утра нет сети' })).json<Ticket>();
  assert.equal(p.priority, 'high');
  assert.equal(n.priority, 'normal');
});

test("a subscriber can neither read nor write in another subscriber's tickets", async () => {
  const mine = await createTicket(core, subscriberCtx(a.subscriberId), { msisdn: 'me', kind: 'wish', subject: 'Тёмная тема', text: 'Хочу тёмную тему' });
  const before = await core.db.query('SELECT * FROM ticket_message WHERE ticket_id = $1 ORDER BY id', [Number(mine.id)]);
  // By id under B's own number: the ticket is not B's, so it does not exist for B.
  problem(await send('GET', `/api/v1/subscribers/me/tickets/${mine.id}`, b), 404, 'NOT_FOUND');
  problem(await send('POST', `/api/v1/subscribers/me/tickets/${mine.id}/messages`, b, { text: 'подслушал' }), 404, 'NOT_FOUND');
  // Under A's number: A's number is not B's to see.
  problem(await send('GET', `/api/v1/subscribers/${a.msisdn}/tickets`, b), 404, 'SUBSCRIBER_NOT_FOUND');
  problem(await send('GET', `/api/v1/subscribers/${a.msisdn}/tickets/${mine.id}`, b), 404, 'SUBSCRIBER_NOT_FOUND');
  problem(await send('POST', `/api/v1/subscribers/${a.msisdn}/tickets/${mine.id}/messages`, b, { text: 'подслушал' }), 404, 'SUBSCRIBER_NOT_FOUND');
  problem(await send('POST', `/api/v1/subscribers/${a.msisdn}/tickets`, b, { kind: 'question', subject: 'x', text: 'y' }), 404, 'SUBSCRIBER_NOT_FOUND');
  // Malformed and unknown ids look the same.
  for (const id of ['0', '99999999', 'abc', '1e3']) problem(await send('GET', `/api/v1/subscribers/me/tickets/${id}`, b), 404, 'NOT_FOUND');
  assert.deepEqual(await core.db.query('SELECT * FROM ticket_message WHERE ticket_id = $1 ORDER BY id', [Number(mine.id)]), before);
  assert.ok(!(await send('GET', '/api/v1/subscribers/me/tickets', b)).json<{ items: Ticket[] }>().items.some((t) => t.id === mine.id));
  // Nobody logged in: 401.
  problem(await send('GET', '/api/v1/subscribers/me/tickets', null), 401, 'UNAUTHENTICATED');
});

test('a retried request with the same Idempotency-Key opens one ticket; the key for another request is refused', async () => {
  const s = await withSession(await makeSubscriber(core));
  const body = { kind: 'question', subject: 'Повтор', text: 'Сеть оборвалась' };
  const headers = { 'idempotency-key': 'ticket-retry-1' };
  const r1 = await send('POST', '/api/v1/subscribers/me/tickets', s, body, headers);
  const r2 = await send('POST', '/api/v1/subscribers/me/tickets', s, body, headers);
  assert.equal(r1.statusCode, 201);
  assert.equal(r2.statusCode, 201);
  assert.deepEqual(r2.json(), r1.json());
  assert.equal(await countTickets(s.subscriberId), 1);
  problem(await send('POST', '/api/v1/subscribers/me/tickets', s, { ...body, text: 'Другое' }, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal(await countTickets(s.subscriberId), 1);
  // Without a key, two requests are two tickets.
  await send('POST', '/api/v1/subscribers/me/tickets', s, body);
  await send('POST', '/api/v1/subscribers/me/tickets', s, body);
  assert.equal(await countTickets(s.subscriberId), 3);
  // A message retried with its key is added once.
  const id = r1.json<Ticket>().id;
  const m1 = await send('POST', `/api/v1/subscribers/me/tickets/${id}/messages`, s, { text: 'ещё' }, { 'idempotency-key': 'msg-1' });
  const m2 = await send('POST', `/api/v1/subscribers/me/tickets/${id}/messages`, s, { text: 'ещё' }, { 'idempotency-key': 'msg-1' });
  assert.deepEqual(m2.json(), m1.json());
  assert.equal(m2.json<Ticket>().messages.length, 2);
});

test('bad input is refused with the field named and nothing stored; text is kept in NFC', async () => {
  const s = await withSession(await makeSubscriber(core));
  const url = '/api/v1/subscribers/me/tickets';
  const cases: [unknown, string][] = [
    [{ kind: 'rant', subject: 'x', text: 'y' }, 'kind'],
    [{ kind: 'question', subject: '', text: 'y' }, 'subject'],
    [{ kind: 'question', subject: '   ', text: 'y' }, 'subject'],
    [{ kind: 'question', subject: 'a'.repeat(201), text: 'y' }, 'subject'],
    [{ kind: 'question', subject: 'x', text: 'y'.repeat(4001) }, 'text'],
    [{ kind: 'question', subject: 'bell\u0007', text: 'y' }, 'subject'],
    [{ kind: 'question', subject: 'two\nlines', text: 'y' }, 'subject'],
    [{ kind: 'question', subject: 'x', text: 'escape \u001b[31m red' }, 'text'],
    [{ kind: 'question', subject: 'evil\u202etxt.exe', text: 'y' }, 'subject'],
    [{ kind: 'question', subject: 'x', text: 'nul \u0000' }, 'text'],
    [{ kind: 'question', subject: 'x' }, 'text'],
  ];
  for (const [body, field] of cases) {
    const p = problem(await send('POST', url, s, body), 400, 'VALIDATION');
    assert.ok(JSON.stringify(p).includes(field), `${JSON.stringify(body)} names ${field}: ${JSON.stringify(p)}`);
  }
  assert.equal(await countTickets(s.subscriberId), 0);
  // Decomposed "é" (e + U+0301) is stored composed; CRLF becomes LF; tabs and emoji stay.
  const ok = await send('POST', url, s, { kind: 'wish', subject: ' Cafe\u0301 😀 ', text: 'line 1\r\n\tline 2' });
  assert.equal(ok.statusCode, 201, ok.body);
  const t = ok.json<Ticket>();
  assert.equal(t.subject, 'Caf\u00e9 😀');
  assert.equal(t.messages[0]!.text, 'line 1\n\tline 2');
  // 200 characters of emoji are 200 characters, whatever UTF-16 says.
  assert.equal((await send('POST', url, s, { kind: 'wish', subject: '😀'.repeat(200), text: 'y' })).statusCode, 201);
  problem(await send('POST', url, s, { kind: 'wish', subject: '😀'.repeat(201), text: 'y' }), 400, 'VALIDATION');
  const refusedAudit = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND outcome = 'refused' AND action = 'support.ticket_create'", [s.subscriberId]);
  assert.ok(refusedAudit[0]!.n >= 5, 'refusals past the schema are audited');
});

test('ideas: submit, list by votes or date, one vote per subscriber whatever the repeats', async () => {
  const s1 = await withSession(await makeSubscriber(core));
  const s2 = await withSession(await makeSubscriber(core));
  const made = await send('POST', '/api/v1/ideas', s1, { title: 'Перенос минут', text: 'Переносить неизрасходованные минуты на следующий месяц' });
  assert.equal(made.statusCode, 201, made.body);
  const idea = made.json<Idea>();
  assert.deepEqual({ votes: idea.votes, votedByMe: idea.votedByMe, status: idea.status }, { votes: 0, votedByMe: false, status: 'new' });
  env.clock.advance(1000);
  const other = (await send('POST', '/api/v1/ideas', s2, { title: 'Семейный тариф', text: 'Один счёт на семью' })).json<Idea>();

  // Five votes at once from the same subscriber count once.
  const votes = await Promise.all(Array.from({ length: 5 }, () => send('POST', `/api/v1/ideas/${idea.id}/vote`, s2)));
  for (const v of votes) assert.equal(v.statusCode, 200, v.body);
  const afterVotes = await send('POST', `/api/v1/ideas/${idea.id}/vote`, s2);
  assert.deepEqual([afterVotes.json<Idea>().votes, afterVotes.json<Idea>().votedByMe], [1, true]);
  await send('POST', `/api/v1/ideas/${idea.id}/vote`, s1);

  const top = (await send('GET', '/api/v1/ideas?sort=top', s1)).json<{ items: Idea[] }>().items;
  const iTop = top.findIndex((i) => i.id === idea.id);
  const iOther = top.findIndex((i) => i.id === other.id);
  assert.ok(iTop >= 0 && iOther > iTop, 'more votes first');
  assert.deepEqual([top[iTop]!.votes, top[iTop]!.votedByMe, top[iOther]!.votedByMe], [2, true, false]);
  const newest = (await send('GET', '/api/v1/ideas?sort=new', s1)).json<{ items: Idea[] }>().items;
  assert.ok(newest.findIndex((i) => i.id === other.id) < newest.findIndex((i) => i.id === idea.id), 'newer first');

  const unvoted = await send('DELETE', `/api/v1/ideas/${idea.id}/vote`, s2);
  assert.deepEqual([unvoted.json<Idea>().votes, unvoted.json<Idea>().votedByMe], [1, false]);
  const again = await send('DELETE', `/api/v1/ideas/${idea.id}/vote`, s2);
  assert.equal(again.json<Idea>().votes, 1, 'taking back a vote twice takes one');
  // Many subscribers at once, each clicking twice: every vote counts once, none is lost.
  const crowd = await Promise.all(Array.from({ length: 8 }, async () => withSession(await makeSubscriber(core))));
  const results = await Promise.all(crowd.flatMap((c) => [send('POST', `/api/v1/ideas/${other.id}/vote`, c), send('POST', `/api/v1/ideas/${other.id}/vote`, c)]));
  for (const r of results) assert.equal(r.statusCode, 200, r.body);
  const counted = await core.db.query<{ votes: number; n: number }>('SELECT votes, (SELECT count(*)::int FROM idea_vote WHERE idea_id = i.id) AS n FROM idea i WHERE id = $1', [Number(other.id)]);
  assert.deepEqual(counted, [{ votes: 8, n: 8 }]);
  const stored = await core.db.query<{ votes: number; n: number }>('SELECT votes, (SELECT count(*)::int FROM idea_vote WHERE idea_id = i.id) AS n FROM idea i WHERE id = $1', [Number(idea.id)]);
  assert.deepEqual(stored, [{ votes: 1, n: 1 }]);
  const audited = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'idea.vote'", [s2.subscriberId]);
  assert.equal(audited[0]!.n, 1, 'a repeat vote changes nothing and is not an action');
});

test('ideas: unknown ids are 404, votes need a subscriber, bad text is refused', async () => {
  const s = await withSession(await makeSubscriber(core));
  problem(await send('POST', '/api/v1/ideas/999999/vote', s), 404, 'NOT_FOUND');
  problem(await send('POST', '/api/v1/ideas/x1/vote', s), 404, 'NOT_FOUND');
  problem(await send('GET', '/api/v1/ideas', null), 401, 'UNAUTHENTICATED');
  problem(await send('POST', '/api/v1/ideas', null, { title: 't', text: 'x' }), 401, 'UNAUTHENTICATED');
  problem(await send('POST', '/api/v1/ideas', s, { title: 'a\u0001', text: 'x' }), 400, 'VALIDATION');
  problem(await send('POST', '/api/v1/ideas', s, { title: 't', text: '' }), 400, 'VALIDATION');
  const { token: staff } = await createSession(core.db, core, { kind: 'staff', subjectId: await staffId(), channel: 'staff', method: 'test' });
  const idea = (await send('POST', '/api/v1/ideas', s, { title: 'Идея', text: 'Текст' })).json<Idea>();
  problem(await send('POST', `/api/v1/ideas/${idea.id}/vote`, { token: staff }), 403, 'FORBIDDEN');
  assert.equal((await send('GET', '/api/v1/ideas', { token: staff })).statusCode, 200, 'staff read the board');
  await assert.rejects(voteIdea(core, { ...subscriberCtx(s.subscriberId), actor: { kind: 'operator_api', apiKeyId: 1 } }, { id: idea.id }), refusal('FORBIDDEN'));
});

async function staffId(): Promise<number> {
  const rows = await core.db.query<{ id: number }>(
    "INSERT INTO staff_user (email, name, password_hash) VALUES ('support-test@abonent.example', 'T', 'x') ON CONFLICT (email) DO UPDATE SET name = 'T' RETURNING id",
  );
  return rows[0]!.id;
}

test('a number opens at most TICKETS_PER_DAY tickets and a subscriber proposes at most IDEAS_PER_DAY ideas a day', async () => {
  const s = await withSession(await makeSubscriber(core));
  const body = { kind: 'question', subject: 'Много', text: 'Вопрос' };
  for (let i = 0; i < TICKETS_PER_DAY; i++) assert.equal((await send('POST', '/api/v1/subscribers/me/tickets', s, body)).statusCode, 201);
  const refused = await send('POST', '/api/v1/subscribers/me/tickets', s, body);
  problem(refused, 429, 'RATE_LIMITED');
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assert.equal(await countTickets(s.subscriberId), TICKETS_PER_DAY);
  // A retry of an earlier request with its key is not a new ticket and is not refused.
  const other = await withSession(await makeSubscriber(core));
  const first = await send('POST', '/api/v1/subscribers/me/tickets', other, body, { 'idempotency-key': 'limit-1' });
  for (let i = 1; i < TICKETS_PER_DAY; i++) await send('POST', '/api/v1/subscribers/me/tickets', other, body);
  const retried = await send('POST', '/api/v1/subscribers/me/tickets', other, body, { 'idempotency-key': 'limit-1' });
  assert.equal(retried.statusCode, 201);
  assert.equal(retried.json<Ticket>().id, first.json<Ticket>().id);

  for (let i = 0; i < IDEAS_PER_DAY; i++) assert.equal((await send('POST', '/api/v1/ideas', s, { title: `Идея ${i}`, text: 'Текст' })).statusCode, 201);
  problem(await send('POST', '/api/v1/ideas', s, { title: 'Ещё одна', text: 'Текст' }), 429, 'RATE_LIMITED');

  env.clock.advance(86_400_000 + 1000);
  assert.equal((await send('POST', '/api/v1/subscribers/me/tickets', s, body)).statusCode, 201, 'a day later the number may write again');
  assert.equal((await send('POST', '/api/v1/ideas', s, { title: 'Назавтра', text: 'Текст' })).statusCode, 201);
});

test('the demo seed leaves terms to accept, an answered ticket and ideas with votes', async () => {
  const demo = await testCore();
  try {
    await seedDemoAccounts(demo.core, { businessNumbers: 10 });
    const app2 = await testApp(demo.core);
    try {
      const login = await app2.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: DEMO.subscriber.msisdn, password: DEMO.subscriber.password } });
      const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
      assert.equal((await app2.inject({ url: '/api/v1/auth/whoami', headers })).json<{ termsMustAccept: boolean }>().termsMustAccept, true);
      const tickets = (await app2.inject({ url: '/api/v1/subscribers/me/tickets', headers })).json<{ items: Ticket[] }>().items;
      assert.equal(tickets.length, 1);
      assert.equal(tickets[0]!.status, 'answered');
      assert.deepEqual(tickets[0]!.messages.map((m) => m.author), ['subscriber', 'staff']);
      const ideas = (await app2.inject({ url: '/api/v1/ideas?sort=top', headers })).json<{ items: Idea[] }>().items;
      assert.deepEqual(ideas.map((i) => [i.votes, i.status]), [[5, 'planned'], [3, 'new'], [1, 'new']]);
    } finally {
      await app2.close();
    }
  } finally {
    await demo.close();
  }
});
