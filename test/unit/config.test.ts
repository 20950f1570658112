import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

test('defaults: port 8080, ./data, embedded store, demo mode outside production', () => {
  const c = loadConfig({} as NodeJS.ProcessEnv);
  assert.equal(c.PORT, 8080);
  assert.equal(c.DATA_DIR, './data');
  assert.equal(c.DATABASE_URL, undefined);
  assert.equal(c.DEMO_MODE, true);
  assert.deepEqual(c.TRUSTED_PROXIES, []);
});

test('a bad value fails with the variable named', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' } as unknown as NodeJS.ProcessEnv), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' } as unknown as NodeJS.ProcessEnv), /DATABASE_URL: must start with postgres/);
});

test('production requires a secret and turns demo mode off', () => {
  assert.throws(() => loadConfig({ NODE_ENV: 'production' } as NodeJS.ProcessEnv), /SECRET_KEY: required in production/);
  const c = loadConfig({ NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(40) } as NodeJS.ProcessEnv);
  assert.equal(c.DEMO_MODE, false);
});

test('DEMO_MODE cannot be switched on in production: a config error naming it', () => {
  const prod = { NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(40) };
  for (const on of ['true', '1', 'yes']) {
    assert.throws(() => loadConfig({ ...prod, DEMO_MODE: on } as NodeJS.ProcessEnv), (e: unknown) => e instanceof ConfigError && /DEMO_MODE: cannot be on when NODE_ENV=production/.test(e.message));
  }
  assert.equal(loadConfig({ ...prod, DEMO_MODE: 'false' } as NodeJS.ProcessEnv).DEMO_MODE, false);
  assert.equal(loadConfig({ DEMO_MODE: 'true' } as NodeJS.ProcessEnv).DEMO_MODE, true);
});

test('metrics: a token of at least 16 characters, a port of their own on loopback unless told', () => {
  assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' } as NodeJS.ProcessEnv), /METRICS_TOKEN: must be at least 16 characters/);
  const c = loadConfig({ METRICS_PORT: '9464' } as NodeJS.ProcessEnv);
  assert.equal(c.METRICS_PORT, 9464);
  assert.equal(c.METRICS_HOST, '127.0.0.1');
  assert.equal(loadConfig({} as NodeJS.ProcessEnv).METRICS_PORT, undefined);
});

test('SMPP: SMPP_HOST makes smpp the SMS transport unless another is named; smpp needs a host', () => {
  assert.equal(loadConfig({} as NodeJS.ProcessEnv).SMS_TRANSPORT, 'log');
  const c = loadConfig({ SMPP_HOST: 'smsc.local', SMPP_SYSTEM_ID: 'abonent', SMPP_PASSWORD: 'pw' } as NodeJS.ProcessEnv);
  assert.equal(c.SMS_TRANSPORT, 'smpp');
  assert.equal(c.SMPP_PORT, 2775);
  assert.equal(loadConfig({ SMPP_HOST: 'smsc.local', SMS_TRANSPORT: 'log' } as NodeJS.ProcessEnv).SMS_TRANSPORT, 'log');
  assert.throws(() => loadConfig({ SMS_TRANSPORT: 'smpp' } as NodeJS.ProcessEnv), /SMPP_HOST: required when SMS_TRANSPORT=smpp/);
  assert.throws(() => loadConfig({ SMPP_HOST: 'x', SMPP_PASSWORD: 'far-too-long' } as NodeJS.ProcessEnv), /SMPP_PASSWORD/);
});
