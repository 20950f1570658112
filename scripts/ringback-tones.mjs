#!/usr/bin/env node
// Synthesises the ringback melodies' previews from the catalog (catalog/catalog.json → melodies,
// each a tune of notes) with sox, into web/dist/tones/ (or the folder given):
//   <code>.ogg  Ogg Vorbis, 22.05 kHz mono: what the web app's <audio> plays
//   <code>.wav  8 kHz mono 16-bit PCM: what the network and the voice menu play
// A melody whose tune has not changed since the last run (index.json keeps a hash of each) is
// left as it is. Run by scripts/web-build.mjs after the app is built; needs sox.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'web', 'dist', 'tones'));
const catalog = JSON.parse(readFileSync(join(root, 'catalog', 'catalog.json'), 'utf8'));
const melodies = catalog.melodies ?? [];

const SEMITONE = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/** "F#5" → Hz (A4 = 440 Hz, equal temperament). */
function frequency(pitch) {
  const m = /^([A-G])([#b]?)(\d)$/.exec(pitch);
  if (!m) throw new Error(`not a pitch: ${pitch}`);
  const midi = 12 * (Number(m[3]) + 1) + SEMITONE[m[1]] + (m[2] === '#' ? 1 : m[2] === 'b' ? -1 : 0);
  return 440 * 2 ** ((midi - 69) / 12);
}

/** sox effects, one chain per note (`:` plays them one after another): plucked strings, rests silent. */
function chains(tune) {
  const beat = 60 / tune.tempo;
  const out = [];
  for (const note of tune.notes.trim().split(/\s+/)) {
    const [pitch, beats] = note.split(':');
    const secs = (Number(beats) * beat).toFixed(3);
    if (out.length) out.push(':');
    out.push('synth', secs, ...(pitch === 'R' ? ['sine', '0'] : ['pluck', frequency(pitch).toFixed(2)]));
  }
  return out;
}

function sox(args) {
  const res = spawnSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (res.error) throw new Error(`tones: sox is needed to make the ringback previews (${res.error.message})`);
  if (res.status !== 0) throw new Error(`tones: sox failed: ${res.stderr.toString().slice(0, 500)}`);
}

mkdirSync(out, { recursive: true });
const indexPath = join(out, 'index.json');
const index = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : {};
let made = 0;
for (const m of melodies) {
  const hash = createHash('sha256').update(JSON.stringify(m.tune)).digest('hex').slice(0, 16);
  const files = [join(out, `${m.code}.ogg`), join(out, `${m.code}.wav`)];
  if (index[m.code] === hash && files.every((f) => existsSync(f))) continue;
  const effects = chains(m.tune);
  // Written beside, then renamed: a server reading the folder never sees half a file.
  sox(['-n', '-r', '22050', '-c', '1', '-C', '3', `${files[0]}.tmp.ogg`, ...effects, 'fade', '0', '-0', '0.3', 'gain', '-n', '-3']);
  sox(['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', `${files[1]}.tmp.wav`, ...effects, 'fade', '0', '-0', '0.3', 'gain', '-n', '-3']);
  renameSync(`${files[0]}.tmp.ogg`, files[0]);
  renameSync(`${files[1]}.tmp.wav`, files[1]);
  index[m.code] = hash;
  made += 1;
}
writeFileSync(indexPath, `${JSON.stringify(index, null, 2)}\n`);
if (made) console.log(`tones: ${made} ringback previews synthesised into ${out}`);
