import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Speech } from '../../adapters/speech/espeak.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { voiceOf, voiceTexts } from './voice-texts.ts';

/**
 * Where the web build leaves the ringback melodies' previews (scripts/ringback-tones.mjs):
 * `<code>.wav` at 8 kHz mono 16-bit, what the 111 menu plays on key 6.
 */
export const TONES_DIR = resolve(import.meta.dirname, '../../../web/dist/tones');

/** A melody code as a file name: what the catalog's codes are (no path can be made of it). */
export const TONE_CODE = /^[a-z0-9_]{1,40}$/;

/** The preview of a melody in `tones` (absolute, with `.wav`), or null when the build made none. */
export function toneFile(tones: string | null | undefined, code: string): string | null {
  if (!tones || !TONE_CODE.test(code)) return null;
  const file = join(tones, `${code}.wav`);
  return existsSync(file) ? file : null;
}

/** The name an exported melody preview has in the sounds folder: `tone-<code>`. */
export const exportedToneName = (code: string) => `tone-${code}`;

/** A prompt whose words never change: said in `voice`, whatever the call's language. */
export interface FixedPrompt {
  voice: Lang;
  text: string;
}

/**
 * Every sentence of the voice menu that has no blanks to fill (greetings, menu items, keys, notices),
 * in both languages: what a remote Asterisk can hold in its own sounds directory. Sentences with a
 * balance, an amount or a product name are made per call (see `promptUrl` in fastagi-server.ts).
 */
export function fixedPrompts(): FixedPrompt[] {
  const out: FixedPrompt[] = [];
  for (const lang of ['ru', 'en'] as const) {
    for (const v of Object.values(voiceTexts[lang])) {
      for (const text of typeof v === 'string' ? [v] : Array.isArray(v) ? (v as string[]) : []) out.push({ voice: voiceOf(text, lang), text });
    }
  }
  return out;
}

const keyOf = (voice: Lang, text: string) => `${voice}\n${text}`;

/** Whether a prompt is one of the fixed ones, so a remote Asterisk has it once exported. */
export function fixedPromptSet(): (voice: Lang, text: string) => boolean {
  const set = new Set(fixedPrompts().map((p) => keyOf(p.voice, p.text)));
  return (voice, text) => set.has(keyOf(voice, text));
}

/**
 * The samples of an 8 kHz mono 16-bit PCM WAV as Asterisk's `.sln` (signed linear, 8 kHz, little
 * endian, no header): its `data` chunk. Null for any other WAV (no `.sln` is written for it).
 */
export function slnOf(wav: Buffer): Buffer | null {
  if (wav.length < 12 || wav.toString('latin1', 0, 4) !== 'RIFF' || wav.toString('latin1', 8, 12) !== 'WAVE') return null;
  let fmtOk = false;
  for (let at = 12; at + 8 <= wav.length; ) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16) {
      // PCM (1), one channel, 8,000 samples a second, 16 bits a sample.
      fmtOk = wav.readUInt16LE(body) === 1 && wav.readUInt16LE(body + 2) === 1 && wav.readUInt32LE(body + 4) === 8000 && wav.readUInt16LE(body + 14) === 16;
    }
    if (id === 'data') return fmtOk ? wav.subarray(body, Math.min(body + size, wav.length)) : null;
    at = body + size + (size % 2);
  }
  return null;
}

/**
 * Writes every fixed prompt into `dir` as Asterisk's sounds expect them: `<id>.wav` (8 kHz mono
 * 16-bit PCM, what the prompt cache holds) and the same samples as `<id>.sln` (Asterisk's native
 * signed linear, played without a WAV reader), named by the same id the FastAGI server asks for
 * (`STREAM FILE <VOICE_AGI_SOUNDS>/<id>`). One flat folder for both languages: the id already says
 * the language, and the menu switches language on key 9 without touching the channel's. An
 * `index.tsv` (id, voice, text) says which file says what. The ringback melodies' previews from
 * `tones` (the web build's, by default) go beside them as `tone-<code>`.
 */
export async function exportPrompts(o: { speech: Speech; dir: string; tones?: string | null }): Promise<{ dir: string; count: number; byVoice: Record<Lang, number>; tones: number }> {
  const dir = resolve(o.dir);
  await mkdir(dir, { recursive: true });
  const byVoice: Record<Lang, number> = { ru: 0, en: 0 };
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const p of fixedPrompts()) {
    const audio = await o.speech.prompt(p.voice, p.text);
    if (seen.has(audio.id)) continue;
    seen.add(audio.id);
    const tmp = join(dir, `.${audio.id}.wav.tmp`);
    await copyFile(audio.file, tmp);
    await rename(tmp, join(dir, `${audio.id}.wav`));
    const sln = slnOf(await readFile(audio.file));
    if (sln) {
      await writeFile(join(dir, `.${audio.id}.sln.tmp`), sln);
      await rename(join(dir, `.${audio.id}.sln.tmp`), join(dir, `${audio.id}.sln`));
    }
    byVoice[p.voice] += 1;
    lines.push(`${audio.id}\t${p.voice}\t${p.text}`);
  }
  // The ringback melodies' previews (key 6), as `tone-<code>.wav` and `.sln`.
  let tones = 0;
  const toneDir = o.tones === undefined ? TONES_DIR : o.tones;
  for (const name of toneDir && existsSync(toneDir) ? (await readdir(toneDir)).sort() : []) {
    const code = /^(.+)\.wav$/.exec(name)?.[1];
    if (!code || !TONE_CODE.test(code)) continue;
    const wav = await readFile(join(toneDir!, name));
    const sln = slnOf(wav);
    if (!sln) continue;
    const base = exportedToneName(code);
    await writeFile(join(dir, `.${base}.wav.tmp`), wav);
    await rename(join(dir, `.${base}.wav.tmp`), join(dir, `${base}.wav`));
    await writeFile(join(dir, `.${base}.sln.tmp`), sln);
    await rename(join(dir, `.${base}.sln.tmp`), join(dir, `${base}.sln`));
    lines.push(`${base}\ttone\t${code}`);
    tones += 1;
  }
  await writeFile(join(dir, 'index.tsv'), `${lines.join('\n')}\n`);
  return { dir, count: seen.size, byVoice, tones };
}
