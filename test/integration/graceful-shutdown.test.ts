import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { withLease } from '../../src/jobs/lease.ts';
import { startScheduler } from '../../src/jobs/scheduler.ts';
import { logTransport } from '../../src/jobs/sms-outbox.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { testCore, type TestEnv } from '../helpers/core.ts';

/**
 * SIGTERM as systemd or a deploy script sends it to one instance of a cluster: readiness fails
 * at once so the balancer stops sending requests, a request already in flight still gets its
 * answer, running jobs finish and release their leases, and the process exits 0.
 */
const pgUrl = process.env.TEST_DATABASE_URL ?? '';
const schema = `gs_${randomBytes(5).toString('hex')}`;
let env: TestEnv;
let child: ChildProcess;
let url = '';
let output = '';

before(async () => {
  env = await testCore();
  child = spawn(process.execPath, ['bin/abonent.js', 'start'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DEMO_MODE: 'true',
      DEMO_SUBSCRIBERS: '0',
      DEMO_TRAFFIC: 'off',
      STORE: 'memory',
      DATABASE_URL: pgUrl,
      ...(pgUrl ? { DATABASE_SCHEMA: schema } : {}),
      PORT: '0',
      VOICE_AGI_ENABLED: 'false',
      LOG_LEVEL: 'info',
      // Long enough to see readiness fail while the listener still takes connections.
      SHUTDOWN_DRAIN_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
});

after(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  await env?.close();
  if (pgUrl) {
    const admin = await openPostgres({ url: pgUrl, poolSize: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
});

/** Reads a whole HTTP/1.1 response (the server closes the connection after it, as it is shutting down). */
function response(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never: ${what}`);
}

test('SIGTERM: readiness fails first, the request in flight is answered, new connections are refused, exit 0', async () => {
  assert.equal((await fetch(`${url}/health/ready`)).status, 200);

  // A login whose body is still arriving when the signal comes: the request is in flight.
  const body = JSON.stringify({ msisdn: DEMO.subscriber.msisdn, password: DEMO.subscriber.password });
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const answer = response(socket);
  socket.write(
    `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');

  // Draining: the balancer's readiness probe fails at once, liveness holds.
  const draining = await until('readiness fails', async () => {
    const r = await fetch(`${url}/health/ready`).catch(() => null);
    return r && r.status === 503 ? ((await r.json()) as { status: string }) : undefined;
  });
  assert.equal(draining.status, 'draining');
  assert.equal((await fetch(`${url}/health/live`)).status, 200);

  // Then the listener closes: a new connection is refused.
  await until('the listener closes', async () => ((await fetch(`${url}/health/live`).then(() => false, () => true)) ? true : undefined));

  // The rest of the body arrives: the request in flight completes with its real answer.
  socket.write(body.slice(10));
  const raw = await answer;
  assert.match(raw, /^HTTP\/1\.1 200 /, raw.slice(0, 200));
  assert.match(raw, /set-cookie: abonent_session=/i);

  assert.equal(await exited, 0, output.slice(-2000));
  assert.match(output, /shut down: requests finished, leases released, SMPP unbound/);
});

test('stopping the scheduler waits for a running job, whose lease is then free for another instance', async () => {
  const { core } = env;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const scheduler = startScheduler(core, {
    sms: logTransport(core),
    extra: [{ name: 'long-job', everyMs: 5, run: () => withLease(core, 'long-job', async () => (started(), gate)) }],
  });
  await running;
  // Held by the running job: nobody else gets it.
  assert.equal(await core.db.tryLock('job:long-job'), null);
  let stopped = false;
  const stopping = scheduler.stop().then(() => (stopped = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, false, 'stop waits for the job in flight');
  release();
  await stopping;
  const lease = await core.db.tryLock('job:long-job');
  assert.ok(lease, 'the lease is free once stop() returns');
  await lease.release();
});
