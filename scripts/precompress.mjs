#!/usr/bin/env node
// Writes name.br and name.gz beside every compressible file of a built folder (web/dist by
// default), at the strongest settings: compressed once at build time, served as they are
// (@fastify/static preCompressed), so no request pays for compression. A variant that is not
// smaller than the file is not written (nor kept from an earlier build).
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt|xml|map)$/;
/** Below this a file fits in one packet either way: not worth a second request path. */
const MIN_BYTES = 512;

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (COMPRESSIBLE.test(name)) out.push(p);
  }
  return out;
}

/** Compresses every compressible file under `dir`; returns how many were. */
export function precompress(dir) {
  let n = 0;
  for (const path of files(dir)) {
    const buf = readFileSync(path);
    const variants = {
      '.br': () =>
        brotliCompressSync(buf, {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
        }),
      '.gz': () => gzipSync(buf, { level: 9 }),
    };
    for (const [ext, make] of Object.entries(variants)) {
      const z = buf.length >= MIN_BYTES ? make() : null;
      if (z && z.length < buf.length) writeFileSync(path + ext, z);
      else rmSync(path + ext, { force: true });
    }
    if (buf.length >= MIN_BYTES) n += 1;
  }
  return n;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2] ?? join(import.meta.dirname, '..', 'web', 'dist');
  console.log(`web: ${precompress(dir)} files precompressed (brotli, gzip) in ${dir}`);
}
