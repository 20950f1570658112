import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { metricsServer } from '../../src/channels/http/metrics.ts';
import type { Config } from '../../src/config.ts';
import { buildServer } from '../../src/server.ts';
import { testConfig, testCore, type TestEnv } from '../helpers/core.ts';

/** Who may read /metrics: anyone in development, the token's holder, or only the metrics port. */
let env: TestEnv;
before(async () => {
  env = await testCore();
});
after(async () => {
  await env?.close();
});

const TOKEN = 'metrics-token-0123456789abcdef';

async function app(extra: Partial<Config>) {
  const a = await buildServer(env.core, { ...testConfig, ...extra });
  await a.ready();
  return a;
}

test('with METRICS_TOKEN, /metrics answers 401 without the bearer token or with a wrong one, 200 with it', async () => {
  const a = await app({ METRICS_TOKEN: TOKEN });
  try {
    const none = await a.inject({ url: '/metrics' });
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.doesNotMatch(none.body, /abonent_http_requests_total/);
    const wrong = await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } });
    assert.equal(wrong.statusCode, 401);
    const right = await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /abonent_http_requests_total\{method="GET",route="\/metrics",status="401"\} 2/);
  } finally {
    await a.close();
  }
});

test('in production without a token or a port of their own, the public port has no /metrics', async () => {
  const a = await app({ NODE_ENV: 'production', DEMO_MODE: false });
  try {
    assert.equal((await a.inject({ url: '/metrics' })).statusCode, 404);
    assert.equal((await a.inject({ url: '/health' })).statusCode, 200);
  } finally {
    await a.close();
  }
});

test('with METRICS_PORT, the metrics are served on their own listener (token still checked), not on the public port', async () => {
  const a = await app({ METRICS_PORT: 0, METRICS_TOKEN: TOKEN });
  const m = metricsServer(a.metricsRegistry, TOKEN);
  try {
    await m.listen({ port: 0, host: '127.0.0.1' });
    const address = m.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
    assert.equal((await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 404);
    await a.inject({ url: '/health' });
    assert.equal((await fetch(url)).status, 401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /abonent_http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
  } finally {
    await m.close();
    await a.close();
  }
});
