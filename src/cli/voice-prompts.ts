import { resolve } from 'node:path';
import { espeakSpeech, promptCacheDir } from '../adapters/speech/espeak.ts';
import { exportPrompts } from '../channels/voice/voice-prompts.ts';
import type { Config } from '../config.ts';
import type { CliArgs, Io } from './args.ts';

/**
 * `abonent voice export-prompts DIR`: the fixed prompts as files for an Asterisk on another machine,
 * synthesised into the prompt cache first when they are not there. Needs no store.
 */
export async function voiceCommand(config: Config, { positionals }: CliArgs, io: Io, cwd: string): Promise<number> {
  const [, sub, dir] = positionals;
  if (sub !== 'export-prompts' || !dir) {
    io.err('voice: abonent voice export-prompts DIR');
    return 2;
  }
  const res = await exportPrompts({ speech: espeakSpeech({ dir: promptCacheDir(config) }), dir: resolve(cwd, dir) });
  const folder = config.VOICE_AGI_SOUNDS ?? 'abonent';
  io.out(`exported ${res.count} prompts (ru ${res.byVoice.ru}, en ${res.byVoice.en}) and ${res.tones} ringback melodies to ${res.dir}`);
  if (res.tones === 0) io.out('no ringback melody previews found: build the web app first (npm run build:web) for key 6 to play them');
  io.out(`copy them to Asterisk's sounds directory, e.g. rsync -a --delete ${res.dir}/ asterisk-host:/var/lib/asterisk/sounds/${folder}/`);
  if (!config.VOICE_AGI_SOUNDS) io.out(`and set VOICE_AGI_SOUNDS=${folder} (see docs/voice.md)`);
  return 0;
}
