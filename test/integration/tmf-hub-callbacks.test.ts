import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { addressRefusal, callbackPolicy } from '../../src/domain/events/callback-address.ts';
import { deliverHubEvents, retryDelayMs } from '../../src/domain/events/deliver-hub-events.ts';
import { notifyListeners, subscribeToEvents } from '../../src/domain/events/hub.ts';
import { testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth } from '../helpers/tmf.ts';

// TMF hub callbacks are outbound calls a stranger with an API key points where they like (issue
// 15, item 7): loopback, private, link-local and metadata addresses are refused unless allowed by
// HUB_CALLBACK_ALLOWED, at registration and again on the address actually connected to;
// deliveries time out, are retried with backoff and their failures are recorded and listed.
// Everything here stays on the loopback: other addresses are only ever refused before a connect.

const BASE = '/tmf-api/prepayBalanceManagement/v4';
const API = 'prepayBalanceManagement';

let env: TestEnv;
/** Callbacks to 127.0.0.1 allowed, as testConfig says (HUB_CALLBACK_ALLOWED=127.0.0.1). */
let allowed: Core;
/** The production default: no allow-list. */
let strict: Core;
let strictApp: FastifyInstance;
let auth: { authorization: string };

interface Receiver {
  url: string;
  requests: string[];
  connections: number;
  close(): Promise<void>;
}

/** A listener on 127.0.0.1 answering with `handle`, counting connections and requests. */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const r = { url: '', requests: [] as string[], connections: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    r.requests.push(req.url ?? '');
    req.resume();
    handle(req, res);
  });
  server.on('connection', () => r.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

const withSettings = (s: Partial<Core['settings']>): Core => ({ ...env.core, settings: { ...env.core.settings, ...s } });

async function deliveries(hubId: string) {
  return env.core.db.query<{ status: string; attempts: number; last_error: string | null; last_status: number | null; next_attempt_at: Date }>(
    'SELECT status, attempts, last_error, last_status, next_attempt_at FROM tmf_event_delivery WHERE hub_id = $1 ORDER BY id',
    [hubId],
  );
}

async function hubCount(): Promise<number> {
  return (await env.core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tmf_hub'))[0]!.n;
}

before(async () => {
  env = await testCore();
  allowed = env.core;
  assert.deepEqual(allowed.settings.hubCallbackAllowed, ['127.0.0.1']);
  strict = withSettings({ hubCallbackAllowed: [] });
  strictApp = await testApp(strict);
  auth = await operatorAuth(env.core);
});

after(async () => {
  await strictApp?.close();
  await env?.close();
});

test('loopback, private, link-local, metadata, CGNAT, multicast and mapped forms are refused; public addresses are not', () => {
  const policy = callbackPolicy([]);
  for (const a of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', 'fd00::1', 'fc00::1', 'fe80::1', 'ff02::1', '64:ff9b::7f00:1', '2002:7f00:1::1']) {
    assert.ok(addressRefusal(policy, a), `${a} must be refused`);
  }
  for (const a of ['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2a00:1450:4010:c05::64']) assert.equal(addressRefusal(policy, a), null, `${a} is public`);
  // The allow-list lets a listed address or range through, and only that.
  const some = callbackPolicy(['127.0.0.1', '10.20.0.0/16']);
  assert.equal(addressRefusal(some, '127.0.0.1'), null);
  assert.equal(addressRefusal(some, '::ffff:127.0.0.1'), null);
  assert.equal(addressRefusal(some, '10.20.3.4'), null);
  assert.ok(addressRefusal(some, '10.21.0.1'));
  assert.ok(addressRefusal(some, '127.0.0.2'));
});

test('POST /hub with a callback to 127.0.0.1, a private or metadata address or a name resolving to loopback is 400 without any connection', async () => {
  const r = await receiver((_req, res) => res.end());
  try {
    const port = new URL(r.url).port;
    const hubsBefore = await hubCount();
    for (const callback of [
      r.url,
      `http://localhost:${port}/cb`,
      `http://[::1]:${port}/cb`,
      `http://[::ffff:127.0.0.1]:${port}/cb`,
      `http://2130706433:${port}/cb`, // 127.0.0.1 spelt as one number
      `http://0x7f.1:${port}/cb`,
      'http://10.0.0.1/cb',
      'http://192.168.0.10:8080/cb',
      'http://169.254.169.254/latest/meta-data',
      'http://[fd12:3456::1]/cb',
      'http://100.64.1.1/cb',
      'http://0.0.0.0/cb',
    ]) {
      const res = await strictApp.inject({ method: 'POST', url: `${BASE}/hub`, headers: { ...auth, host: 'abonent.test' }, payload: { callback } });
      assert.equal(res.statusCode, 400, `${callback}: ${res.body}`);
      const body = res.json<{ code: string; message: string }>();
      assert.equal(body.code, 'CALLBACK_NOT_ALLOWED', callback);
      assert.match(body.message, /loopback, private, link-local or reserved/, callback);
    }
    assert.equal(await hubCount(), hubsBefore, 'no listener registered');
    assert.equal(r.connections, 0, 'nothing connected to the receiver');
  } finally {
    await r.close();
  }
});

test('with 127.0.0.1 on the allow-list a local receiver gets the event, and the delivery is listed as delivered', async () => {
  const r = await receiver((_req, res) => {
    res.statusCode = 201;
    res.end();
  });
  const app = await testApp(allowed);
  try {
    const reg = await app.inject({ method: 'POST', url: `${BASE}/hub`, headers: { ...auth, host: 'abonent.test' }, payload: { callback: r.url } });
    assert.equal(reg.statusCode, 201, reg.body);
    const hubId = reg.json<{ id: string }>().id;
    assert.equal(await notifyListeners(allowed, { api: API, eventType: 'topupBalanceCreateEvent', resourceName: 'topupBalance', resource: { id: 't1' } }), 1);
    assert.deepEqual(r.requests, ['/cb/listener/topupBalanceCreateEvent']);
    const listed = await app.inject({ url: `${BASE}/hub/${hubId}/delivery`, headers: auth });
    assert.equal(listed.statusCode, 200, listed.body);
    const [d] = listed.json<{ status: string; attempts: number; eventType: string; lastHttpStatus: number }[]>();
    assert.equal(d!.status, 'delivered');
    assert.equal(d!.attempts, 1);
    assert.equal(d!.eventType, 'topupBalanceCreateEvent');
    assert.equal(d!.lastHttpStatus, 201);
    // Each test leaves no listener behind: the next one counts only its own deliveries.
    await env.core.db.query('DELETE FROM tmf_hub WHERE id = $1', [hubId]);
  } finally {
    await app.close();
    await r.close();
  }
});

test('a name that resolves to loopback is refused at connect time when loopback is not allowed (no connection made)', async () => {
  const r = await receiver((_req, res) => res.end());
  try {
    // Registered while allowed (or while the name pointed elsewhere): what DNS answers when
    // connecting is what counts.
    const local = withSettings({ hubCallbackAllowed: ['127.0.0.1', '::1'] });
    const sub = await subscribeToEvents(local, systemCtx('test'), { api: API, callback: r.url.replace('127.0.0.1', 'localhost') });
    const delivered = await notifyListeners(strict, { api: API, eventType: 'adjustBalanceCreateEvent', resourceName: 'adjustBalance', resource: { id: 'a1' } });
    assert.equal(delivered, 0);
    assert.equal(r.connections, 0, 'refused before connecting');
    const [d] = await deliveries(sub.id);
    assert.equal(d!.status, 'pending');
    assert.equal(d!.attempts, 1);
    assert.match(d!.last_error!, /refused: localhost: .*loopback, private, link-local or reserved/);
    await env.core.db.query('DELETE FROM tmf_hub WHERE id = $1', [sub.id]);
  } finally {
    await r.close();
  }
});

test('a receiver answering 500 is retried with backoff, then recorded as failed and listed', async () => {
  const r = await receiver((_req, res) => {
    res.statusCode = 500;
    res.end('down');
  });
  const three = withSettings({ hubDeliveryMaxAttempts: 3 });
  const app = await testApp(three);
  try {
    const sub = await subscribeToEvents(three, systemCtx('test'), { api: API, callback: r.url });
    assert.equal(await notifyListeners(three, { api: API, eventType: 'topupBalanceCreateEvent', resourceName: 'topupBalance', resource: { id: 't2' } }), 0);
    assert.equal(r.requests.length, 1);
    let [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts, d!.last_status], ['pending', 1, 500]);
    assert.equal(d!.next_attempt_at.getTime(), env.clock.now().getTime() + retryDelayMs(1));

    // Not due yet: nothing is tried.
    env.clock.advance(retryDelayMs(1) - 1000);
    assert.deepEqual(await deliverHubEvents(three), { tried: 0, delivered: 0 });
    assert.equal(r.requests.length, 1);
    // Due: the second try, then a longer wait before the third.
    env.clock.advance(1000);
    assert.deepEqual(await deliverHubEvents(three), { tried: 1, delivered: 0 });
    assert.equal(r.requests.length, 2);
    [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts], ['pending', 2]);
    assert.ok(retryDelayMs(2) > retryDelayMs(1), 'the wait grows');
    assert.equal(d!.next_attempt_at.getTime(), env.clock.now().getTime() + retryDelayMs(2));
    env.clock.advance(retryDelayMs(2));
    await deliverHubEvents(three);
    assert.equal(r.requests.length, 3);
    [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts, d!.last_status, d!.last_error], ['failed', 3, 500, 'HTTP 500']);
    // Failed for good: no more tries, however late it gets.
    env.clock.advance(24 * 3_600_000);
    assert.deepEqual(await deliverHubEvents(three), { tried: 0, delivered: 0 });
    assert.equal(r.requests.length, 3);

    const listed = await app.inject({ url: `${BASE}/hub/${sub.id}/delivery?status=failed`, headers: auth });
    assert.equal(listed.statusCode, 200, listed.body);
    const items = listed.json<{ status: string; attempts: number; lastHttpStatus: number; lastError: string; url: string }[]>();
    assert.equal(items.length, 1);
    assert.equal(items[0]!.status, 'failed');
    assert.equal(items[0]!.attempts, 3);
    assert.equal(items[0]!.lastHttpStatus, 500);
    assert.equal(items[0]!.lastError, 'HTTP 500');
    assert.equal(items[0]!.url, `${r.url}/listener/topupBalanceCreateEvent`);
    assert.equal((await app.inject({ url: `${BASE}/hub/${sub.id}/delivery?status=pending`, headers: auth })).json<unknown[]>().length, 0);
    assert.equal((await app.inject({ url: `${BASE}/hub/no-such-hub/delivery`, headers: auth })).statusCode, 404);
    await env.core.db.query('DELETE FROM tmf_hub WHERE id = $1', [sub.id]);
  } finally {
    await app.close();
    await r.close();
  }
});

test('a receiver that never answers hits the delivery timeout and is retried later', async () => {
  const hung: ServerResponse[] = [];
  const r = await receiver((_req, res) => hung.push(res));
  const quick = withSettings({ hubDeliveryTimeoutMs: 200 });
  try {
    const sub = await subscribeToEvents(quick, systemCtx('test'), { api: API, callback: r.url });
    assert.equal(await notifyListeners(quick, { api: API, eventType: 'topupBalanceCreateEvent', resourceName: 'topupBalance', resource: { id: 't3' } }), 0);
    assert.equal(r.requests.length, 1, 'the request reached the receiver');
    let [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts, d!.last_error], ['pending', 1, 'no answer within 200 ms']);
    env.clock.advance(retryDelayMs(1));
    await deliverHubEvents(quick);
    assert.equal(r.requests.length, 2);
    [d] = await deliveries(sub.id);
    assert.deepEqual([d!.status, d!.attempts], ['pending', 2]);
  } finally {
    for (const res of hung) res.destroy();
    await r.close();
  }
});
