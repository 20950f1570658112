import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Converts an uploaded WAV (any rate, channels or PCM depth sox reads) to telephony WAV — 8 kHz
 * mono 16-bit signed PCM — with sox. Null when sox cannot read it as WAV.
 */
export async function toTelephonyWav(input: Uint8Array): Promise<Buffer | null> {
  const dir = await mkdtemp(join(tmpdir(), 'abonent-wav-'));
  const src = join(dir, `${randomUUID()}.in.wav`);
  const out = join(dir, `${randomUUID()}.wav`);
  try {
    await writeFile(src, input);
    const ok = await new Promise<boolean>((resolve) => {
      const p = spawn('sox', ['-t', 'wav', src, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav', out], { stdio: 'ignore' });
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('error', () => resolve(false));
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
    return ok ? await readFile(out) : null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
