#!/usr/bin/env node
// Runs the compiled server (dist/, made by `npm run build`) when no source is newer than it, or
// when tsx is not installed (a production install: `npm ci --omit=dev`). Otherwise the TypeScript
// sources through tsx, so `npm install && npm start` needs no build step while developing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const stamp = fileURLToPath(new URL('../dist/BUILT', import.meta.url));
const sources = fileURLToPath(new URL('../src', import.meta.url));

function hasTsx() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(`${path}/${name}`));
  return t;
}

const built = existsSync(stamp);
const tsx = hasTsx();
if (built && (!tsx || !existsSync(sources) || newest(sources) <= statSync(stamp).mtimeMs)) {
  await import(compiled.href);
} else if (tsx) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  console.error('abonent: neither the compiled server (dist/) nor tsx is there: run `npm run build` (with the dev dependencies installed) or `npm install`');
  process.exit(1);
}
