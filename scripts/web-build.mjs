#!/usr/bin/env node
// Builds the web app (web/ → web/dist) when it is missing or older than its sources, then prints
// the initial JavaScript size. `--force` always builds. Used by `prepare`, `npm start` and the tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const web = join(root, 'web');
const stamp = join(web, 'dist', 'index.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'dist' && name !== 'node_modules') t = Math.max(t, newest(join(path, name)));
  return t;
}

const force = process.argv.includes('--force');
const sources = [join(web, 'src'), join(web, 'public'), join(web, 'index.html'), join(web, 'vite.config.ts')];
const stale = force || !existsSync(stamp) || Math.max(...sources.map(newest)) > statSync(stamp).mtimeMs;
if (!stale) process.exit(0);
console.log('web: building the app (vite)…');
const vite = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
if (vite.status !== 0) process.exit(vite.status ?? 1);
const size = spawnSync(process.execPath, [join(import.meta.dirname, 'web-size.mjs')], { stdio: 'inherit' });
process.exit(size.status ?? 1);
