import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { openPostgres } from '../../src/store/postgres.ts';

/**
 * The production install's start: the server compiled by `scripts/build.mjs` (what `npm run build`
 * runs) and started with plain `node`, no tsx loader, NODE_ENV=production. The compiled tree sits
 * where a checkout has it (dist/ beside catalog/ and web/dist), in a folder keyed by the sources'
 * hash, so the suite's second pass (PostgreSQL) starts the build the first pass made.
 */
const repo = join(import.meta.dirname, '..', '..');
const pgUrl = process.env.TEST_DATABASE_URL ?? '';
const schema = `compiled_${randomBytes(5).toString('hex')}`;
const script = Buffer.from(Array.from({ length: 300 }, (_, i) => `export const s${i} = "строка ${i}";\n`).join(''));
let root: string;
let dataDir: string;
let url = '';
let child: ReturnType<typeof spawn> | undefined;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** The sources and build settings the compiled server comes from. */
function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of [...files(join(repo, 'src')), join(repo, 'tsconfig.json'), join(repo, 'tsconfig.build.json'), join(repo, 'scripts', 'build.mjs'), join(repo, 'scripts', 'precompress.mjs')]) {
    h.update(relative(repo, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 20);
}

/** Builds into a fresh folder and moves it into place whole: a half-made build is never used. */
function compiledTree(): string {
  const final = join(tmpdir(), `abonent-compiled-${sourceHash()}`);
  if (existsSync(join(final, 'dist', 'BUILT'))) return final;
  const work = mkdtempSync(join(tmpdir(), 'abonent-compiling-'));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--server-only', '--out', join(work, 'dist')], { cwd: repo, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  copyFileSync(join(repo, 'package.json'), join(work, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'));
  symlinkSync(join(repo, 'catalog'), join(work, 'catalog'));
  // A built web app in miniature, compressed by the build's own script.
  mkdirSync(join(work, 'web', 'dist', 'assets'), { recursive: true });
  writeFileSync(join(work, 'web', 'dist', 'assets', 'app-0f0f0f.js'), script);
  writeFileSync(join(work, 'web', 'dist', 'index.html'), '<!doctype html><script type="module" src="/assets/app-0f0f0f.js"></script>');
  const pre = spawnSync(process.execPath, ['scripts/precompress.mjs', join(work, 'web', 'dist')], { cwd: repo, encoding: 'utf8' });
  assert.equal(pre.status, 0, pre.stderr);
  try {
    renameSync(work, final);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another run put the same build there first
  }
  return final;
}

before(async () => {
  root = compiledTree();
  dataDir = mkdtempSync(join(tmpdir(), 'abonent-compiled-data-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(24).toString('hex'),
    DATA_DIR: dataDir,
    PORT: '0',
    VOICE_AGI_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ...(pgUrl ? { DATABASE_URL: pgUrl, DATABASE_SCHEMA: schema } : {}),
  };
  // Plain node on the compiled entry point: no --import, no NODE_OPTIONS, so no TypeScript loader.
  child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  url = await new Promise<string>((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child!.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child!.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (pgUrl) {
    const admin = await openPostgres({ url: pgUrl, poolSize: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
});

test('the compiled tree is JavaScript only: no import of a .ts file, the migrations beside it', () => {
  const js = files(join(root, 'dist')).filter((f) => f.endsWith('.js'));
  assert.ok(js.length > 100, `${js.length} files`);
  for (const f of js) assert.doesNotMatch(readFileSync(f, 'utf8'), /from\s+["'][^"']+\.ts["']/, f);
  assert.ok(existsSync(join(root, 'dist', 'store', 'migrations', '001_core.sql')));
});

test('the compiled server starts in production on a fresh store and answers /health', async () => {
  const health = await fetch(`${url}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const tariffs = (await (await fetch(`${url}/api/v1/catalog/tariffs`)).json()) as { items: unknown[] };
  assert.ok(tariffs.items.length > 0, 'the catalog was read from catalog/ beside dist/');
});

test('the compiled server serves the built web app, brotli when asked', async () => {
  const page = await fetch(`${url}/login`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /\/assets\/app-0f0f0f\.js/);
  // Node's fetch decodes on its own; a raw request shows what went over the wire.
  const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    request(`${url}/assets/app-0f0f0f.js`, { headers: { 'accept-encoding': 'br' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
  assert.equal(raw.headers['content-encoding'], 'br');
  assert.deepEqual(brotliDecompressSync(raw.body), script);
});
