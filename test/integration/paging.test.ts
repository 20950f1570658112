// Cursor pages of the subscriber and business lists (payments, usage, action history, tickets,
// bonus points history, orders) over HTTP: every row exactly once in order, however many rows share a timestamp; rows
// added between pages do not shift the next page; limits bounded; a cursor that is not this
// list's is a 400 CURSOR_INVALID; someone else's cursor shows nothing of theirs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { createOrder } from '../../src/domain/business/orders.ts';
import type { Core } from '../../src/domain/core.ts';
import { encodeCursor } from '../../src/domain/shared/cursor.ts';
import { createTicket } from '../../src/domain/support/create-ticket.ts';
import { makeCompany } from '../helpers/business.ts';
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

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function subscriber() {
  const s = await makeSubscriber(core);
  const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  return { ...s, auth: { authorization: `Bearer ${token}` } };
}

async function get<T>(url: string, auth: Record<string, string>): Promise<{ status: number; body: T }> {
  const res = await app.inject({ url, headers: auth });
  return { status: res.statusCode, body: res.json<T>() };
}

/** Follows nextCursor from the first page to the last; `between` runs after each page. */
async function walk<T>(url: string, auth: Record<string, string>, between?: (page: number) => Promise<void>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res: { status: number; body: Page<T> } = await get<Page<T>>(`${url}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, auth);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
    await between?.(pages);
    assert.ok(pages < 100, 'the pages end');
  } while (cursor);
  return { items, pages };
}

/** Payments straight into the store: `n` of them, three to a timestamp, some a microsecond apart. */
async function payments(s: { accountId: number; subscriberId: number }, n: number, base = Date.parse('2026-10-01T09:00:00Z')): Promise<string[]> {
  const ids: { id: string; at: string }[] = [];
  for (let i = 0; i < n; i++) {
    const ms = base + Math.floor(i / 3) * 60_000;
    // Within a group of three: the same instant twice, and one a microsecond later.
    const at = `${new Date(ms).toISOString().slice(0, 23)}${i % 3 === 2 ? '001' : '000'}Z`;
    const id = randomUUID();
    ids.push({ id, at });
    await core.db.query(
      `INSERT INTO payment (id, account_id, subscriber_id, provider, amount, status, channel, created_at, updated_at)
       VALUES ($1, $2, $3, 'sandbox', $4, 'succeeded', 'web', $5::timestamptz, $5::timestamptz)`,
      [id, s.accountId, s.subscriberId, 100 * (i + 1), at],
    );
  }
  // Newest first: later time first, and within one instant the greater id first.
  return ids.sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1)).map((p) => p.id);
}

test('payments: more than 50 page through by cursor, every one once, newest first; new ones do not shift the pages', async () => {
  const s = await subscriber();
  const expected = await payments(s, 130);
  const first = await get<Page<{ id: string }>>('/api/v1/subscribers/me/payments', s.auth);
  assert.equal(first.body.items.length, 50, 'fifty unless asked');
  assert.ok(first.body.nextCursor);

  const added: string[] = [];
  const walked = await walk<{ id: string; amount: number; createdAt: string }>('/api/v1/subscribers/me/payments?limit=40', s.auth, async (page) => {
    // A payment made while the list is being read: newer than every page, so it is not on them.
    if (page === 1) added.push(...(await payments(s, 1, Date.parse('2026-12-01T09:00:00Z'))));
  });
  assert.equal(walked.pages, 4);
  assert.deepEqual(
    walked.items.map((p) => p.id),
    expected,
  );
  assert.equal(new Set(walked.items.map((p) => p.id)).size, 130, 'no duplicates');
  assert.ok(!walked.items.some((p) => added.includes(p.id)));
  // Read again from the top, the new one is first.
  assert.equal((await get<Page<{ id: string }>>('/api/v1/subscribers/me/payments?limit=1', s.auth)).body.items[0]!.id, added[0]);
});

/**
 * Points history lines straight into the store: `n` spends, three to an instant (one a microsecond
 * later), written oldest last so that their ids run against their times.
 */
async function bonusLines(s: { accountId: number; subscriberId: number }, n: number, base = Date.parse('2026-10-01T09:00:00Z')): Promise<number[]> {
  const lines: { id: number; at: string }[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const ms = base + Math.floor(i / 3) * 60_000;
    const at = `${new Date(ms).toISOString().slice(0, 23)}${i % 3 === 2 ? '001' : '000'}Z`;
    const [row] = await core.db.query<{ id: number }>(
      `INSERT INTO bonus_entry (account_id, subscriber_id, kind, points, reward_code, reference, idempotency_key, created_at)
       VALUES ($1, $2, 'spend', $3, 'sms_100', $4, $4, $5::timestamptz) RETURNING id`,
      [s.accountId, s.subscriberId, -(i + 1), `paging:${randomUUID()}`, at],
    );
    lines.push({ id: Number(row!.id), at });
  }
  return lines.sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1)).map((l) => l.id);
}

test('bonus points history: more than 50 lines page through by cursor, every one once, newest first by time (not by id); new ones do not shift the pages', async () => {
  const s = await subscriber();
  const expected = await bonusLines(s, 130);
  const first = await get<Page<{ id: number }> & { msisdn: string }>('/api/v1/subscribers/me/bonus/history', s.auth);
  assert.equal(first.body.items.length, 50, 'fifty unless asked');
  assert.equal(first.body.msisdn, s.msisdn);
  assert.ok(first.body.nextCursor);

  const added: number[] = [];
  const walked = await walk<{ id: number; at: string; kind: string; points: number }>('/api/v1/subscribers/me/bonus/history?limit=40', s.auth, async (page) => {
    // Points spent while the list is being read: newer than every page, so not on them.
    if (page === 1) added.push(...(await bonusLines(s, 1, Date.parse('2026-12-01T09:00:00Z'))));
  });
  assert.equal(walked.pages, 4);
  assert.deepEqual(
    walked.items.map((l) => l.id),
    expected,
  );
  assert.equal(new Set(walked.items.map((l) => l.id)).size, 130, 'no duplicates');
  assert.ok(!walked.items.some((l) => added.includes(l.id)));
  assert.ok(walked.items.every((l) => l.kind === 'spend' && l.points < 0));
  // Read again from the top, the new one is first.
  assert.equal((await get<Page<{ id: number }>>('/api/v1/subscribers/me/bonus/history?limit=1', s.auth)).body.items[0]!.id, added[0]);

  // Another subscriber's cursor positions this one's list and shows nothing of theirs.
  const other = await subscriber();
  const theirs = new Set(await bonusLines(other, 5));
  const theirFirst = await get<Page<{ id: number }>>('/api/v1/subscribers/me/bonus/history?limit=2', other.auth);
  assert.ok(theirFirst.body.nextCursor);
  const mineWithTheirs = await get<Page<{ id: number }>>(`/api/v1/subscribers/me/bonus/history?limit=200&cursor=${theirFirst.body.nextCursor}`, s.auth);
  assert.equal(mineWithTheirs.status, 200);
  assert.ok(mineWithTheirs.body.items.every((l) => !theirs.has(l.id)));
  assert.equal((await app.inject({ url: `/api/v1/subscribers/${other.msisdn}/bonus/history?cursor=${theirFirst.body.nextCursor}`, headers: s.auth })).statusCode, 404);
});

test('limits are bounded and cursors checked: 400 VALIDATION for a limit out of range, 400 CURSOR_INVALID for a cursor not of this list', async () => {
  const s = await subscriber();
  await payments(s, 3);
  await bonusLines(s, 3);
  for (const list of ['payments', 'bonus/history']) {
    for (const limit of ['0', '201', 'x', '1.5']) {
      const res = await app.inject({ url: `/api/v1/subscribers/me/${list}?limit=${limit}`, headers: s.auth });
      assert.equal(res.statusCode, 400, `${list} ${limit}`);
      assert.equal(res.json<{ code: string }>().code, 'VALIDATION');
    }
    const most = await get<Page<unknown>>(`/api/v1/subscribers/me/${list}?limit=200`, s.auth);
    assert.equal(most.status, 200, list);
    assert.equal(most.body.items.length, 3);
    assert.equal(most.body.nextCursor, null);
  }
  const usageCursor = encodeCursor('usage', { at: '2026-10-01T09:00:00.000000Z', id: '5' });
  const forged = Buffer.from(JSON.stringify(['payments', '2026-10-01T09:00:00Z', "1' OR 1=1"])).toString('base64url');
  for (const cursor of ['garbage!', 'bm9uc2Vuc2U', usageCursor, forged]) {
    for (const list of ['payments', 'tickets', 'history', 'bonus/history']) {
      const res = await app.inject({ url: `/api/v1/subscribers/me/${list}?cursor=${encodeURIComponent(cursor)}`, headers: s.auth });
      assert.equal(res.statusCode, 400, `${list} ${cursor}`);
      const body = res.json<{ code: string; field: string; title: string }>();
      assert.equal(body.code, 'CURSOR_INVALID');
      assert.equal(body.field, 'cursor');
      assert.match(body.title, /курсор/);
    }
  }
  const usage = await app.inject({ url: `/api/v1/subscribers/me/usage?cursor=${encodeCursor('payments', { at: '2026-10-01T09:00:00.000000Z', id: randomUUID() })}`, headers: s.auth });
  assert.equal(usage.json<{ code: string }>().code, 'CURSOR_INVALID');
  // A bonus history cursor is the bonus history's only, and the history takes no other list's.
  const bonusCursor = encodeCursor('bonus', { at: '2026-10-01T09:00:00.000000Z', id: '5' });
  assert.equal((await app.inject({ url: `/api/v1/subscribers/me/history?cursor=${bonusCursor}`, headers: s.auth })).json<{ code: string }>().code, 'CURSOR_INVALID');
  const historyCursor = encodeCursor('history', { at: '2026-10-01T09:00:00.000000Z', id: '5' });
  assert.equal((await app.inject({ url: `/api/v1/subscribers/me/bonus/history?cursor=${historyCursor}`, headers: s.auth })).json<{ code: string }>().code, 'CURSOR_INVALID');
  assert.equal((await app.inject({ url: `/api/v1/subscribers/me/bonus/history?cursor=${bonusCursor}`, headers: s.auth })).statusCode, 200);
});

test("another subscriber's cursor shows nothing of theirs", async () => {
  const a = await subscriber();
  const b = await subscriber();
  const mine = new Set(await payments(a, 5));
  const theirs = new Set(await payments(b, 5));
  const bFirst = await get<Page<{ id: string }>>('/api/v1/subscribers/me/payments?limit=2', b.auth);
  assert.ok(bFirst.body.nextCursor);
  const aWithB = await get<Page<{ id: string }>>(`/api/v1/subscribers/me/payments?limit=50&cursor=${bFirst.body.nextCursor}`, a.auth);
  assert.equal(aWithB.status, 200);
  assert.ok(aWithB.body.items.every((p) => mine.has(p.id) && !theirs.has(p.id)));
  // And a stranger's number with any cursor is not theirs to read.
  const other = await app.inject({ url: `/api/v1/subscribers/${b.msisdn}/payments?cursor=${bFirst.body.nextCursor}`, headers: a.auth });
  assert.equal(other.statusCode, 404);
});

test('tickets and action history page by cursor, newest first, each once', async () => {
  const s = await subscriber();
  const ctx = subscriberCtx(s.subscriberId);
  const made: string[] = [];
  for (let i = 0; i < 5; i++) made.push((await createTicket(core, ctx, { msisdn: 'me', kind: 'question', subject: `Вопрос ${i}`, text: `Текст ${i}` })).id);
  const tickets = await walk<{ id: string; subject: string }>('/api/v1/subscribers/me/tickets?limit=2', s.auth);
  assert.equal(tickets.pages, 3);
  assert.deepEqual(
    tickets.items.map((t) => t.id),
    [...made].reverse(),
  );

  const all = await get<{ items: { id: number }[]; nextCursor: string | null }>('/api/v1/subscribers/me/history?limit=200', s.auth);
  assert.equal(all.body.nextCursor, null);
  assert.ok(all.body.items.length >= 6, 'provisioning and five tickets');
  const history = await walk<{ id: number }>('/api/v1/subscribers/me/history?limit=2', s.auth);
  assert.deepEqual(
    history.items.map((h) => h.id),
    all.body.items.map((h) => h.id),
  );
});

test('business orders page by cursor with the total; another company sees nothing of this one through its cursor', async () => {
  const co = await makeCompany(core, 'ООО «Курсор»');
  const admin = await co.admin('contract_admin');
  const auth = { authorization: `Bearer ${admin.token}` };
  const made: string[] = [];
  for (let i = 0; i < 5; i++) {
    const n = await co.number();
    made.push((await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' })).id);
  }
  const first = await get<{ total: number; items: { id: string }[]; nextCursor: string | null }>('/api/v1/business/orders?limit=2', auth);
  assert.equal(first.body.total, 5);
  const orders = await walk<{ id: string }>('/api/v1/business/orders?limit=2', auth);
  assert.equal(orders.pages, 3);
  assert.deepEqual(new Set(orders.items.map((o) => o.id)), new Set(made));
  assert.equal(orders.items.length, 5);

  const other = await makeCompany(core, 'ООО «Чужие»');
  const stranger = await other.admin('contract_admin');
  const res = await get<{ total: number; items: { id: string }[] }>(`/api/v1/business/orders?cursor=${first.body.nextCursor}`, { authorization: `Bearer ${stranger.token}` });
  assert.equal(res.status, 200);
  assert.equal(res.body.total, 0);
  assert.deepEqual(res.body.items, []);
  assert.equal((await app.inject({ url: '/api/v1/business/orders?cursor=x', headers: auth })).json<{ code: string }>().code, 'CURSOR_INVALID');
});

test('detail reports and bulk operations page by cursor too, newest first, each once, several to an instant', async () => {
  const s = await subscriber();
  const reports: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = randomUUID();
    reports.push(id);
    await core.db.query(
      `INSERT INTO report (account_id, id, subscriber_id, period_from, period_to, period_start, period_end, time_zone, language, format, status, channel, requested_at)
       VALUES ($1, $2, $3, '2026-03-01', '2026-03-02', '2026-02-28T21:00:00Z', '2026-03-02T21:00:00Z', 'Europe/Moscow', 'ru', 'csv', 'queued', 'web', $4)`,
      [s.accountId, id, s.subscriberId, `2026-03-0${1 + Math.floor(i / 2)}T10:00:00Z`],
    );
  }
  const byTime = (ids: string[], at: (i: number) => number) =>
    ids.map((id, i) => ({ id, at: at(i) })).sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : b.at - a.at)).map((x) => x.id);
  const walkedReports = await walk<{ id: string }>('/api/v1/subscribers/me/reports?limit=2', s.auth);
  assert.equal(walkedReports.pages, 3);
  assert.deepEqual(
    walkedReports.items.map((r) => r.id),
    byTime(reports, (i) => Math.floor(i / 2)),
  );

  const co = await makeCompany(core, 'ООО «Пачка»');
  const admin = await co.admin('contract_admin');
  const ops: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = randomUUID();
    ops.push(id);
    await core.db.query(
      `INSERT INTO bulk_operation (id, customer_id, admin_id, kind, params, status, total, created_at) VALUES ($1, $2, $3, 'block', '{}', 'done', 0, $4)`,
      [id, co.id, admin.id, `2026-03-0${1 + Math.floor(i / 2)}T10:00:00Z`],
    );
  }
  const walkedOps = await walk<{ id: string }>('/api/v1/business/bulk-operations?limit=2', { authorization: `Bearer ${admin.token}` });
  assert.equal(walkedOps.pages, 3);
  assert.deepEqual(
    walkedOps.items.map((o) => o.id),
    byTime(ops, (i) => Math.floor(i / 2)),
  );
  const bad = await app.inject({ url: `/api/v1/business/bulk-operations?cursor=${encodeCursor('orders', { at: '2026-03-01T10:00:00.000000Z', id: ops[0]! })}`, headers: { authorization: `Bearer ${admin.token}` } });
  assert.equal(bad.json<{ code: string }>().code, 'CURSOR_INVALID');
});
