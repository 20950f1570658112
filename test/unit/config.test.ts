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
