import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { createStaffUser } from '../../src/domain/staff/create-staff-user.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import type { Core } from '../../src/domain/core.ts';
import { createTicket } from '../../src/domain/support/create-ticket.ts';
import type { Idea } from '../../src/domain/support/idea-view.ts';
import type { QueueTicket } from '../../src/domain/support/staff-list-queue.ts';
import { staffReply } from '../../src/domain/support/staff-reply.ts';
import { submitIdea } from '../../src/domain/support/submit-idea.ts';
import type { Ticket } from '../../src/domain/support/ticket-view.ts';
import { ctxAs, makeSubscriber, refusal, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let staff: string;
let staffId: number;
let subscriberToken: string;
let adminToken: string;
let apiKey: string;

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('ops@test.example', 'Ops', 'x') RETURNING id"))[0]!.id;
  staff = (await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' })).token;
  const s = await makeSubscriber(core);
  subscriberToken = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const customer = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', 'ООО Тест') RETURNING id"))[0]!.id;
  const admin = (
    await core.db.query<{ id: number }>(
      "INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES ($1, 'boss@test.example', '79005550000', 'Boss', 'contract_admin', 'x') RETURNING id",
      [customer],
    )
  )[0]!.id;
  adminToken = (await createSession(core.db, core, { kind: 'business_admin', subjectId: admin, channel: 'business', method: 'test' })).token;
  apiKey = (await createApiKey(core.db, { name: 'tests' })).key;
});
after(async () => {
  await app?.close();
  await env?.close();
});

function call(method: 'GET' | 'POST' | 'PATCH', url: string, token: string | null, payload?: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
}

function problem(res: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(res.statusCode, status, res.body.slice(0, 300));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.json<{ code: string }>().code, code);
}

async function ticketFor(s: { subscriberId: number }, subject: string): Promise<Ticket> {
  return createTicket(core, subscriberCtx(s.subscriberId), { msisdn: 'me', kind: 'question', subject, text: `${subject}?` });
}

test('staff routes refuse subscribers, business admins and API keys (403) and anonymous callers (401), changing nothing', async () => {
  const s = await makeSubscriber(core);
  const t = await ticketFor(s, 'Нельзя отвечать');
  const idea = await submitIdea(core, subscriberCtx(s.subscriberId), { title: 'Идея', text: 'Текст' });
  const requests: [method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown][] = [
    ['GET', '/api/v1/staff/tickets'],
    ['POST', `/api/v1/staff/tickets/${t.id}/reply`, { text: 'ответ' }],
    ['PATCH', `/api/v1/staff/ideas/${idea.id}`, { status: 'planned' }],
    ['GET', '/api/v1/staff/audit'],
  ];
  for (const [method, url, body] of requests) {
    for (const token of [subscriberToken, adminToken, apiKey]) problem(await call(method, url, token, body), 403, 'FORBIDDEN');
    problem(await call(method, url, null, body), 401, 'UNAUTHENTICATED');
  }
  const after = await core.db.query<{ status: string; n: number }>('SELECT status, (SELECT count(*)::int FROM ticket_message WHERE ticket_id = t.id) AS n FROM ticket t WHERE id = $1', [Number(t.id)]);
  assert.deepEqual(after, [{ status: 'open', n: 1 }]);
  assert.equal((await core.db.query<{ status: string }>('SELECT status FROM idea WHERE id = $1', [Number(idea.id)]))[0]!.status, 'new');
  // And the staff session itself gets through.
  assert.equal((await call('GET', '/api/v1/staff/tickets', staff)).statusCode, 200);
});

test('the queue: premium tickets first, then the longest waiting; pages follow the cursor without gaps or repeats', async () => {
  await core.db.query("UPDATE ticket SET status = 'closed'"); // only this test's tickets in the open queue
  const normal = await makeSubscriber(core, { tariffCode: 'smart' });
  const rich = await makeSubscriber(core, { tariffCode: 'premium', openingBalance: 500_000 });
  const n1 = await ticketFor(normal, 'Первый');
  env.clock.advance(60_000);
  const p1 = await ticketFor(rich, 'Премиум первый');
  env.clock.advance(60_000);
  const n2 = await ticketFor(normal, 'Второй');
  env.clock.advance(60_000);
  const p2 = await ticketFor(rich, 'Премиум второй');

  const all = await call('GET', '/api/v1/staff/tickets?status=open', staff);
  assert.equal(all.statusCode, 200, all.body);
  const items = all.json<{ items: QueueTicket[]; nextCursor: string | null }>();
  assert.deepEqual(items.items.map((t) => t.id), [p1.id, p2.id, n1.id, n2.id]);
  assert.equal(items.nextCursor, null);
  const first = items.items[0]!;
  assert.deepEqual([first.msisdn, first.tariffCode, first.tariffName, first.priority], [rich.msisdn, 'premium', 'Премиум', 'high']);
  assert.equal((await call('GET', '/api/v1/staff/tickets?lang=en', staff)).json<{ items: QueueTicket[] }>().items[0]!.tariffName, 'Premium');

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: LightMyRequestResponse = await call('GET', `/api/v1/staff/tickets?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, staff);
    assert.equal(page.statusCode, 200, page.body);
    const body = page.json<{ items: QueueTicket[]; nextCursor: string | null }>();
    assert.ok(body.items.length <= 1);
    seen.push(...body.items.map((t) => t.id));
    cursor = body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, [p1.id, p2.id, n1.id, n2.id]);
  problem(await call('GET', '/api/v1/staff/tickets?cursor=garbage', staff), 400, 'VALIDATION');
  problem(await call('GET', '/api/v1/staff/tickets?status=pending', staff), 400, 'VALIDATION');
});

test('a staff reply reaches the subscriber: in the ticket, out of the open queue, and as an SMS in their language', async () => {
  const ru = await makeSubscriber(core);
  const en = await makeSubscriber(core, { language: 'en' });
  const tRu = await ticketFor(ru, 'Вопрос');
  const tEn = await ticketFor(en, 'Question');
  const res = await call('POST', `/api/v1/staff/tickets/${tRu.id}/reply`, staff, { text: 'Роуминг подключён.' });
  assert.equal(res.statusCode, 200, res.body);
  const answered = res.json<Ticket>();
  assert.equal(answered.status, 'answered');
  assert.deepEqual(answered.messages.map((m) => [m.author, m.text]), [['subscriber', 'Вопрос?'], ['staff', 'Роуминг подключён.']]);
  const closed = (await call('POST', `/api/v1/staff/tickets/${tEn.id}/reply`, staff, { text: 'Done.', close: true })).json<Ticket>();
  assert.equal(closed.status, 'closed');

  const open = (await call('GET', '/api/v1/staff/tickets', staff)).json<{ items: QueueTicket[] }>().items.map((t) => t.id);
  assert.ok(!open.includes(tRu.id) && !open.includes(tEn.id));
  assert.ok((await call('GET', '/api/v1/staff/tickets?status=answered', staff)).json<{ items: QueueTicket[] }>().items.some((t) => t.id === tRu.id));
  assert.ok((await call('GET', '/api/v1/staff/tickets?status=closed', staff)).json<{ items: QueueTicket[] }>().items.some((t) => t.id === tEn.id));

  const sms = async (msisdn: string) => core.db.query<{ text: string; status: string; meta: { kind: string } }>("SELECT text, status, meta FROM sms_message WHERE msisdn = $1 AND direction = 'mt'", [msisdn]);
  const [smsRu] = await sms(ru.msisdn);
  const [smsEn] = await sms(en.msisdn);
  assert.equal(smsRu?.meta.kind, 'support_reply');
  assert.match(smsRu!.text, new RegExp(`обращение №${tRu.id}`));
  assert.match(smsEn!.text, new RegExp(`request #${tEn.id} and closed it`));
  assert.equal(smsRu!.status, 'queued');

  // The subscriber sees the answer; writing again puts the ticket back in the open queue.
  const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: en.subscriberId, channel: 'web', method: 'test' });
  const mine = await app.inject({ url: `/api/v1/subscribers/me/tickets/${tEn.id}`, headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(mine.json<Ticket>().messages.map((m) => m.author), ['subscriber', 'staff']);
  const reopened = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/tickets/${tEn.id}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'Still broken' } });
  assert.equal(reopened.json<Ticket>().status, 'open');
  assert.ok((await call('GET', '/api/v1/staff/tickets', staff)).json<{ items: QueueTicket[] }>().items.some((t) => t.id === tEn.id));

  const audit = await core.db.query<{ actor_kind: string; actor_id: string; channel: string; subscriber_id: number }>(
    "SELECT actor_kind, actor_id, channel, subscriber_id FROM audit_event WHERE action = 'support.ticket_reply' AND details->>'ticketId' = $1",
    [tRu.id],
  );
  assert.deepEqual(audit.map((r) => [r.actor_kind, String(r.actor_id), r.channel, Number(r.subscriber_id)]), [['staff', String(staffId), 'staff', ru.subscriberId]]);
});

test('replies: unknown tickets 404, empty or control-character text refused, a retried reply with its key sent once', async () => {
  const s = await makeSubscriber(core);
  const t = await ticketFor(s, 'Повтор ответа');
  problem(await call('POST', '/api/v1/staff/tickets/99999999/reply', staff, { text: 'x' }), 404, 'NOT_FOUND');
  problem(await call('POST', '/api/v1/staff/tickets/abc/reply', staff, { text: 'x' }), 404, 'NOT_FOUND');
  problem(await call('POST', `/api/v1/staff/tickets/${t.id}/reply`, staff, { text: ' ' }), 400, 'VALIDATION');
  problem(await call('POST', `/api/v1/staff/tickets/${t.id}/reply`, staff, { text: 'a\u0007b' }), 400, 'VALIDATION');
  const ctx = ctxAs({ kind: 'staff', staffId }, { channel: 'staff', idempotencyKey: 'reply-1' });
  const r1 = await staffReply(core, ctx, { id: t.id, text: 'Ответ' });
  const r2 = await staffReply(core, { ...ctx, requestId: 'again' }, { id: t.id, text: 'Ответ' });
  assert.deepEqual(r2, r1);
  assert.equal(r1.messages.length, 2);
  const sent = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'support_reply'", [s.msisdn]);
  assert.equal(sent[0]!.n, 1, 'one notice for one reply');
  await assert.rejects(staffReply(core, ctx, { id: t.id, text: 'Другой ответ' }), refusal('IDEMPOTENCY_KEY_REUSED'));
});

test('staff set idea statuses; a finished or declined idea takes no new votes', async () => {
  const s = await makeSubscriber(core);
  const voter = await makeSubscriber(core);
  const idea = await submitIdea(core, subscriberCtx(s.subscriberId), { title: 'eSIM', text: 'Выпускать eSIM в приложении' });
  const planned = await call('PATCH', `/api/v1/staff/ideas/${idea.id}`, staff, { status: 'planned' });
  assert.equal(planned.statusCode, 200, planned.body);
  assert.equal(planned.json<Idea>().status, 'planned');
  const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: voter.subscriberId, channel: 'web', method: 'test' });
  assert.equal((await call('POST', `/api/v1/ideas/${idea.id}/vote`, token)).json<Idea>().votes, 1, 'planned ideas take votes');
  await call('PATCH', `/api/v1/staff/ideas/${idea.id}`, staff, { status: 'declined' });
  const other = await makeSubscriber(core);
  const { token: t2 } = await createSession(core.db, core, { kind: 'subscriber', subjectId: other.subscriberId, channel: 'web', method: 'test' });
  problem(await call('POST', `/api/v1/ideas/${idea.id}/vote`, t2), 409, 'CONFLICT');
  const board = (await call('GET', '/api/v1/ideas', token)).json<{ items: Idea[] }>().items.find((i) => i.id === idea.id)!;
  assert.deepEqual([board.status, board.votes, board.votedByMe], ['declined', 1, true]);
  problem(await call('PATCH', `/api/v1/staff/ideas/${idea.id}`, staff, { status: 'shipped' }), 400, 'VALIDATION');
  problem(await call('PATCH', '/api/v1/staff/ideas/424242', staff, { status: 'done' }), 404, 'NOT_FOUND');
  const audit = await core.db.query<{ details: { from: string; to: string } }>("SELECT details FROM audit_event WHERE action = 'idea.set_status' AND details->>'ideaId' = $1 ORDER BY id", [idea.id]);
  assert.deepEqual(audit.map((r) => [r.details.from, r.details.to]), [['new', 'planned'], ['planned', 'declined']]);
});

test('audit search by number, action prefix, channel and time window, a page at a time', async () => {
  const s = await makeSubscriber(core);
  const start = core.clock.now();
  await ticketFor(s, 'Первое');
  env.clock.advance(3_600_000);
  const middle = core.clock.now();
  const t2 = await ticketFor(s, 'Второе');
  await staffReply(core, ctxAs({ kind: 'staff', staffId }, { channel: 'staff' }), { id: t2.id, text: 'Ответ' });
  env.clock.advance(3_600_000);

  const q = (params: Record<string, string>) => call('GET', `/api/v1/staff/audit?${new URLSearchParams(params)}`, staff);
  const all = (await q({ msisdn: `+${s.msisdn}`, action: 'support.' })).json<{ items: { action: string; msisdn: string; at: string; channel: string }[] }>();
  assert.deepEqual(all.items.map((r) => r.action), ['support.ticket_reply', 'support.ticket_create', 'support.ticket_create']);
  assert.ok(all.items.every((r) => r.msisdn === s.msisdn));
  const exact = (await q({ msisdn: s.msisdn, action: 'support.ticket_create' })).json<{ items: unknown[] }>();
  assert.equal(exact.items.length, 2);
  const byChannel = (await q({ msisdn: s.msisdn, channel: 'staff' })).json<{ items: { action: string }[] }>();
  assert.deepEqual(byChannel.items.map((r) => r.action), ['support.ticket_reply']);
  const window = (await q({ msisdn: s.msisdn, action: 'support.', from: start.toISOString(), to: middle.toISOString() })).json<{ items: { at: string }[] }>();
  assert.deepEqual(window.items.map((r) => r.at), [start.toISOString()]);

  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const res: LightMyRequestResponse = await q({ msisdn: s.msisdn, action: 'support.', limit: '2', ...(cursor ? { cursor } : {}) });
    const body = res.json<{ items: { id: string }[]; nextCursor: string | null }>();
    pages.push(...body.items.map((r) => r.id));
    cursor = body.nextCursor;
  } while (cursor);
  assert.equal(pages.length, 3);
  assert.equal(new Set(pages).size, 3);
  assert.deepEqual((await q({ msisdn: '79559999998' })).json<{ items: unknown[] }>().items, []);
  problem(await q({ msisdn: 'not-a-number' }), 400, 'VALIDATION');
  problem(await q({ from: 'yesterday' }), 400, 'VALIDATION');
});

test('staff create: the account logs in with the password shown once; a second one with the same email is refused and audited', async () => {
  const made = await createStaffUser(core, systemCtx('cli', 'cli'), { email: ' First.Ops@Operator.example ', name: 'First' });
  assert.equal(made.email, 'first.ops@operator.example');
  assert.ok(made.generated && made.password.length >= 12);
  const stored = await core.db.query<{ password_hash: string }>('SELECT password_hash FROM staff_user WHERE id = $1', [made.id]);
  assert.match(stored[0]!.password_hash, /^\$argon2id\$/, 'only a hash is kept');
  const login = (password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/staff/login', payload: { email: 'first.ops@operator.example', password } });
  const ok = await login(made.password);
  assert.equal(ok.statusCode, 200, ok.body);
  const session = ok.json<{ token: string }>().token;
  assert.equal((await app.inject({ url: '/api/v1/staff/tickets', headers: { authorization: `Bearer ${session}` } })).statusCode, 200);
  assert.equal((await login('wrong-password')).statusCode, 401);

  await assert.rejects(createStaffUser(core, systemCtx('cli', 'cli'), { email: 'FIRST.OPS@operator.example', password: 'another-pass-1' }), refusal('STAFF_EMAIL_TAKEN'));
  await assert.rejects(createStaffUser(core, systemCtx('cli', 'cli'), { email: 'not an email' }), refusal('VALIDATION'));
  await assert.rejects(createStaffUser(core, systemCtx('cli', 'cli'), { email: 'short@operator.example', password: 'short' }), refusal('VALIDATION'));
  const rows = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM staff_user WHERE email IN ('first.ops@operator.example', 'short@operator.example')");
  assert.equal(rows[0]!.n, 1);
  const audit = await core.db.query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'staff.create' ORDER BY id");
  assert.deepEqual(audit.map((a) => a.outcome), ['ok', 'refused']);
  assert.equal((await login('another-pass-1')).statusCode, 401, 'the refused creation changed nothing');
});
