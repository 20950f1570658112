#!/usr/bin/env node
// Builds the web app (web/ → web/dist) when it is missing or older than its sources, writes the
// brotli and gzip copies the server sends, then prints the initial JavaScript size. `--force`
// always builds. Used by `prepare`, `npm start`, `npm run build` and the tests.
// A production install (`npm ci --omit=dev`) has no vite: it serves the web/dist built before
// (`npm run build`), and only fails when there is none. `--if-possible` (prepare) warns instead.
// Then the ringback previews (scripts/ringback-tones.mjs, sox) are made into web/dist/tones when
// a melody's tune is new or changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { precompress } from './precompress.mjs';

const root = join(import.meta.dirname, '..');
const web = join(root, 'web');
const dist = join(web, 'dist');
const stamp = join(dist, 'index.html');
const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'dist' && name !== 'node_modules') t = Math.max(t, newest(join(path, name)));
  return t;
}

/** The ringback previews beside the app (vite empties web/dist, so after every build). */
function tones() {
  const res = spawnSync(process.execPath, [join(import.meta.dirname, 'ringback-tones.mjs'), join(dist, 'tones')], { stdio: 'inherit' });
  if (res.status !== 0 && !process.argv.includes('--if-possible')) process.exit(res.status ?? 1);
}

const force = process.argv.includes('--force');
const built = existsSync(stamp);
const sources = [join(web, 'src'), join(web, 'public'), join(web, 'index.html'), join(web, 'vite.config.ts')].filter(existsSync);
const stale = force || !built || (sources.length > 0 && Math.max(...sources.map(newest)) > statSync(stamp).mtimeMs);
if (!stale) {
  tones();
  process.exit(0);
}
if (!existsSync(viteBin)) {
  // No build tools (devDependencies omitted): what was built before is what is served.
  if (built && !force) {
    tones();
    process.exit(0);
  }
  const message = built
    ? 'web: cannot rebuild the app: vite is not installed (npm install, without --omit=dev)'
    : 'web: the app is not built and vite is not installed: run `npm run build` where the dev dependencies are installed, then copy web/dist (see docs/production.md)';
  console.error(message);
  process.exit(process.argv.includes('--if-possible') ? 0 : 1);
}
console.log('web: building the app (vite)…');
const vite = spawnSync(process.execPath, [viteBin, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
if (vite.status !== 0) process.exit(vite.status ?? 1);
console.log(`web: ${precompress(dist)} files precompressed (brotli, gzip)`);
tones();
const size = spawnSync(process.execPath, [join(import.meta.dirname, 'web-size.mjs')], { stdio: 'inherit' });
process.exit(size.status ?? 1);
