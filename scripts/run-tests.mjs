#!/usr/bin/env node
// Runs every test file with Node's test runner: first on embedded PGlite, then, when
// TEST_DATABASE_URL names a PostgreSQL server, the same files again on PostgreSQL.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = only.length ? only : find('test').sort();

// The browser tests (test/e2e) drive the built web app: build it first when missing or stale.
if (files.some((f) => f.includes('e2e'))) {
  const build = spawnSync(process.execPath, ['scripts/web-build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const passes = [{ name: 'pglite', env: { TEST_DATABASE_URL: '' } }];
if (process.env.TEST_DATABASE_URL) passes.push({ name: 'postgres', env: { TEST_DATABASE_URL: process.env.TEST_DATABASE_URL } });

// A file that never touches the suite's store (unit tests, and files marked `@store-independent`,
// such as the embedded store's own lock and admin channel) runs in the first pass only: a second
// pass would run the very same code again. So do the browser tests (test/e2e): they judge the web
// app in a real browser, and every route they call is tested on both stores by test/integration.
const storeIndependent = (f) =>
  f.startsWith(join('test', 'unit')) || f.startsWith(join('test', 'e2e')) || readFileSync(f, 'utf8').slice(0, 2000).includes('@store-independent');

// A file marked `@postgres-only` tests what only a PostgreSQL server does (a connection the
// server ends, a read-only standby): it runs in the PostgreSQL pass, which CI always has.
const postgresOnly = (f) => readFileSync(f, 'utf8').slice(0, 2000).includes('@postgres-only');

// The two passes run side by side: the PostgreSQL pass waits on its server as much as it computes,
// and many files in either pass wait on sockets, browsers and child processes, so together they
// keep two cores busier than one after the other. The PGlite pass prints as it goes; the
// PostgreSQL pass's report is kept and printed whole when it ends, so the two never interleave.
const runs = passes.map((pass) => {
  const run = pass.name === 'pglite' ? files.filter((f) => !postgresOnly(f)) : files.filter((f) => !storeIndependent(f));
  const live = pass === passes[0];
  const out = [];
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${live ? 2 : 1}`, ...run], {
    stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...pass.env, NODE_ENV: 'test' },
  });
  if (!live) {
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
  }
  const header = `\n=== tests on ${pass.name} (${run.length} files) ===\n`;
  if (live) process.stdout.write(header);
  return new Promise((resolve) => child.on('close', (code) => resolve({ ok: code === 0, report: live ? '' : header + Buffer.concat(out).toString() })));
});
const ended = await Promise.all(runs);
for (const { report } of ended) process.stdout.write(report);
process.exit(ended.every((r) => r.ok) ? 0 : 1);
