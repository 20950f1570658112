#!/usr/bin/env node
// `npm run build`: everything a production install serves, made where the dev dependencies are.
//   dist/      the server compiled to JavaScript (tsc; the type check is `npm run typecheck`),
//              with the SQL migrations it reads at run time
//   web/dist/  the web app (vite), with brotli and gzip copies of its files
// `--server-only` skips the web app; `--out DIR` compiles the server into DIR instead of dist/.
// Then `npm ci --omit=dev && npm start` runs without tsx, vite or esbuild.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, 'server-only': { type: 'boolean' } } });
const out = resolve(values.out ?? join(root, 'dist'));

function run(args, what) {
  const res = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  if (res.status !== 0) {
    console.error(`build: ${what} failed`);
    process.exit(res.status ?? 1);
  }
}

// A clean folder: no compiled file outlives its source.
rmSync(out, { recursive: true, force: true });
run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', out], 'compiling the server');
cpSync(join(root, 'src', 'store', 'migrations'), join(out, 'store', 'migrations'), { recursive: true });
// bin/abonent.js runs dist/ while no source is newer than this stamp.
writeFileSync(join(out, 'BUILT'), `${new Date().toISOString()}\n`);
console.log(`build: server compiled into ${out}`);
if (!values['server-only']) run([join(root, 'scripts', 'web-build.mjs'), '--force'], 'building the web app');
