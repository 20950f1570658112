import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A prompt as telephony plays it: 8 kHz mono 16-bit PCM WAV, named by the hash of what it says. */
export interface PromptAudio {
  id: string;
  /** Absolute path of the .wav file. */
  file: string;
}

/** The text-to-speech port the voice channel uses. */
export interface Speech {
  prompt(lang: 'ru' | 'en', text: string): Promise<PromptAudio>;
  /** The file of a prompt already made, or null (ids are hex hashes; nothing else is looked up). */
  fileOf(id: string): Promise<string | null>;
  stats(): { hits: number; misses: number };
}

export interface EspeakOptions {
  /** Where the cache lives (under the data dir). */
  dir: string;
  /** Words per minute; part of the cache key. */
  speed?: number;
  voices?: { ru: string; en: string };
}

const MAX_TEXT = 2000;

/** Where the prompt cache lives: VOICE_PROMPT_DIR, or DATA_DIR/voice-prompts. */
export function promptCacheDir(config: { VOICE_PROMPT_DIR?: string | undefined; DATA_DIR: string }): string {
  return config.VOICE_PROMPT_DIR ?? join(config.DATA_DIR, 'voice-prompts');
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', fail);
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}: ${err.slice(0, 500)}`))));
  });
}

/**
 * Prompts synthesised with espeak-ng and converted with sox to telephony WAV, cached on disk by a
 * hash of (language, text, voice settings): each prompt is made once, concurrent requests for the
 * same prompt share one synthesis, and a restart finds the files already there.
 */
export function espeakSpeech(o: EspeakOptions): Speech {
  const dir = resolve(o.dir);
  const speed = o.speed ?? 150;
  const voices = o.voices ?? { ru: 'ru', en: 'en' };
  const known = new Set<string>();
  const pending = new Map<string, Promise<PromptAudio>>();
  let hits = 0;
  let misses = 0;
  let ready: Promise<unknown> | null = null;

  const fileFor = (id: string) => join(dir, `${id}.wav`);

  async function synthesise(lang: 'ru' | 'en', text: string, id: string): Promise<PromptAudio> {
    ready ??= mkdir(dir, { recursive: true });
    await ready;
    const file = fileFor(id);
    const raw = join(dir, `.${id}.${randomBytes(4).toString('hex')}.raw.wav`);
    const tmp = join(dir, `.${id}.${randomBytes(4).toString('hex')}.wav`);
    try {
      await run('espeak-ng', ['-v', voices[lang], '-s', String(speed), '-w', raw, '--', text]);
      await run('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmp]);
      await rename(tmp, file);
    } finally {
      await rm(raw, { force: true });
      await rm(tmp, { force: true });
    }
    return { id, file };
  }

  return {
    async prompt(lang, text) {
      const clean = text.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
      const id = createHash('sha256').update(JSON.stringify(['espeak-ng', voices[lang], speed, 8000, lang, clean])).digest('hex').slice(0, 32);
      if (known.has(id)) {
        hits += 1;
        return { id, file: fileFor(id) };
      }
      const inflight = pending.get(id);
      if (inflight) {
        hits += 1;
        return inflight;
      }
      const job = (async () => {
        try {
          await access(fileFor(id));
          hits += 1;
        } catch {
          misses += 1;
          await synthesise(lang, clean, id);
        }
        known.add(id);
        return { id, file: fileFor(id) };
      })();
      pending.set(id, job);
      try {
        return await job;
      } finally {
        pending.delete(id);
      }
    },
    async fileOf(id) {
      if (!/^[0-9a-f]{32}$/.test(id)) return null;
      try {
        await access(fileFor(id));
        return fileFor(id);
      } catch {
        return null;
      }
    },
    stats: () => ({ hits, misses }),
  };
}
