import { existsSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { PromptAudio, Speech } from '../../src/adapters/speech/espeak.ts';

/**
 * The Asterisk side of FastAGI over real TCP, scripted by a test: it connects, sends the `agi_*`
 * header and answers the server's commands as Asterisk would — ANSWER and STREAM FILE at once
 * (or STREAM FILE interrupted by a key), GET DATA with the digits the script presses, silence, or
 * a hang-up (socket closed, 511 dead channel, or result=-1).
 *
 * Sound files are looked up as Asterisk does: an absolute name as `<name>.wav|.sln` on this disk, a
 * relative one under the peer's own sounds directory (`<sounds>/<language>/<name>`, then
 * `<sounds>/<name>`), an http(s) address through `fetchMedia` (res_http_media_cache) when given.
 * One it cannot open is answered `200 result=-1 endpos=0` (STREAM FILE) or `200 result=-1`
 * (GET DATA, which then reads no keys), the channel staying up: `CHANNEL STATUS` says `200
 * result=6` until the caller hangs up, `511` after.
 */
export interface PeerOptions {
  header?: boolean;
  /** The peer's sounds directory (Asterisk's /var/lib/asterisk/sounds); relative names are found only there. */
  sounds?: string;
  /** Fetches an http(s) prompt as res_http_media_cache would; true when it got audio. */
  fetchMedia?: (url: string) => Promise<boolean>;
  /** Channel variables and dialplan functions GET FULL VARIABLE reads (`${REDIRECTING(from-num)}` → its value); others are unset. */
  variables?: Record<string, string>;
}

/**
 * What the caller does at RECORD FILE: speaks `audio` (a WAV written where the command says, as
 * Asterisk's recorder does on its own disk) and then falls silent (the silence detector ends it:
 * `200 result=0 (timeout) endpos=…`), presses # (`200 result=35 (dtmf) endpos=…`) or hangs up
 * (`200 result=-1 (hangup) endpos=…`, then HANGUP and a dead channel).
 */
export interface Recording {
  audio: Buffer | null;
  end: 'silence' | 'key' | 'hangup';
}

export interface AgiTurn {
  /** Files asked for this turn, in order (the last one is GET DATA's prompt unless the call ended). */
  files: string[];
  /** Of those, the ones the peer could not open (answered result=-1, the call going on). */
  missing: string[];
  /** 'input': the server waits in GET DATA; 'hangup': it hung up. */
  kind: 'input' | 'hangup';
  maxDigits: number;
  commands: string[];
}

export class AgiPeer {
  private buf = '';
  private lines: string[] = [];
  private waiters: ((l: string | null) => void)[] = [];
  private closed = false;
  private bargeKey: string | null = null;
  private dead = false;
  private recording: Recording | null = null;
  /** RECORD FILE commands seen: the file (without extension), format, escape keys, timeout, BEEP, silence seconds. */
  readonly records: { file: string; format: string; escape: string; timeoutMs: number; beep: boolean; silence: number | null }[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly opts: PeerOptions,
    private readonly language: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
    socket.on('error', () => undefined);
  }

  static async dial(port: number, vars: Record<string, string>, opts: PeerOptions = {}): Promise<AgiPeer> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((ok, fail) => {
      socket.once('connect', ok);
      socket.once('error', fail);
    });
    const all = { agi_network: 'yes', agi_request: `agi://127.0.0.1:${port}/`, agi_channel: 'SIP/test-0001', agi_language: 'ru', agi_type: 'SIP', agi_extension: '111', agi_context: 'default', ...vars };
    const peer = new AgiPeer(socket, opts, all.agi_language);
    if (opts.header !== false) socket.write(Object.entries(all).map(([k, v]) => `${k}: ${v}\n`).join('') + '\n');
    return peer;
  }

  /** Whether Asterisk could open this sound: on disk by its absolute path, under its sounds directory, or by URL. */
  private async canOpen(name: string): Promise<boolean> {
    if (/^https?:\/\//.test(name)) return this.opts.fetchMedia ? this.opts.fetchMedia(name) : false;
    const bases = name.startsWith('/') ? [name] : this.opts.sounds ? [`${this.opts.sounds}/${this.language}/${name}`, `${this.opts.sounds}/${name}`] : [];
    return bases.some((b) => existsSync(`${b}.wav`) || existsSync(`${b}.sln`));
  }

  private read(): Promise<string | null> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve(null);
    return new Promise((r) => this.waiters.push(r));
  }

  private send(line: string): void {
    if (!this.closed) this.socket.write(`${line}\n`);
  }

  /** The next STREAM FILE that allows keys is interrupted by this key, as a caller pressing early. */
  bargeIn(key: string): void {
    this.bargeKey = key;
  }

  /** Answers commands until the server waits for input (GET DATA) or hangs up. */
  async turn(): Promise<AgiTurn> {
    const files: string[] = [];
    const missing: string[] = [];
    const commands: string[] = [];
    const done = (kind: AgiTurn['kind'], maxDigits = 0): AgiTurn => ({ files, missing, kind, maxDigits, commands });
    for (;;) {
      const line = await this.read();
      if (line === null) return done('hangup');
      commands.push(line);
      if (this.dead) {
        // After the caller hung up, commands on the dead channel are refused.
        this.send('511 Command Not Permitted on a dead channel or intercept routine');
        if (line === 'HANGUP') return done('hangup');
      } else if (line === 'ANSWER') this.send('200 result=0');
      else if (line === 'CHANNEL STATUS') this.send('200 result=6');
      else if (line.startsWith('STREAM FILE ')) {
        const m = /^STREAM FILE (\S+) "(.*)"$/.exec(line);
        if (!m) throw new Error(`malformed STREAM FILE: ${line}`);
        files.push(m[1]!);
        if (!(await this.canOpen(m[1]!))) {
          // res_agi: "Unable to open <file>" in Asterisk's log, and this answer; the channel stays up.
          missing.push(m[1]!);
          this.send('200 result=-1 endpos=0');
          continue;
        }
        if (this.bargeKey && m[2]!.includes(this.bargeKey)) {
          const key = this.bargeKey;
          this.bargeKey = null;
          this.send(`200 result=${key.charCodeAt(0)} endpos=800`);
          return done('input', 1);
        }
        this.send('200 result=0 endpos=16000');
      } else if (line.startsWith('GET DATA ')) {
        const m = /^GET DATA (\S+) (\d+) (\d+)$/.exec(line);
        if (!m) throw new Error(`malformed GET DATA: ${line}`);
        if (m[1] !== '""') {
          files.push(m[1]!);
          if (!(await this.canOpen(m[1]!))) {
            // ast_app_getdata_full returns before reading keys when its prompt will not open.
            missing.push(m[1]!);
            this.send('200 result=-1');
            continue;
          }
        }
        return done('input', Number(m[3]));
      } else if (line.startsWith('GET FULL VARIABLE ') || line.startsWith('GET VARIABLE ')) {
        const name = line.replace(/^GET (FULL )?VARIABLE /, '').replace(/^"(.*)"$/, '$1');
        const v = this.opts.variables?.[name];
        this.send(v === undefined ? '200 result=0' : `200 result=1 (${v})`);
      } else if (line.startsWith('RECORD FILE ')) {
        const m = /^RECORD FILE (\S+) (\S+) "([^"]*)" (-?\d+)(?: (\d+))?( BEEP)?(?: s=(\d+))?$/.exec(line);
        if (!m) throw new Error(`malformed RECORD FILE: ${line}`);
        this.records.push({ file: m[1]!, format: m[2]!, escape: m[3]!, timeoutMs: Number(m[4]), beep: !!m[6], silence: m[7] ? Number(m[7]) : null });
        const r = this.recording ?? { audio: null, end: 'silence' as const };
        this.recording = null;
        // The recorder writes <file>.<format> on Asterisk's disk; a folder it cannot write to is "(writefile)".
        const target = `${m[1]!}.${m[2]!}`;
        try {
          writeFileSync(target, r.audio ?? Buffer.alloc(0));
        } catch {
          this.send('200 result=-1 (writefile)');
          continue;
        }
        const endpos = r.audio ? Math.max(0, (r.audio.length - 44) / 2) : 0;
        if (r.end === 'hangup') {
          this.send(`200 result=-1 (hangup) endpos=${endpos}`);
          this.send('HANGUP');
          this.dead = true;
        } else this.send(r.end === 'key' ? `200 result=35 (dtmf) endpos=${endpos}` : `200 result=0 (timeout) endpos=${endpos}`);
      } else if (line === 'HANGUP') {
        this.send('200 result=1');
        return done('hangup');
      } else this.send('510 Invalid or unknown command');
    }
  }

  /** What the caller does at the next RECORD FILE (without this, it says nothing and the recorder times out). */
  willRecord(r: Recording): void {
    this.recording = r;
  }

  /** GET DATA answered with these digits ('#' ends them, as the keypad does). */
  press(digits: string): void {
    this.send(`200 result=${digits}`);
  }

  /** GET DATA timed out with nothing pressed. */
  silence(): void {
    this.send('200 result= (timeout)');
  }

  /**
   * The caller hangs up while the server waits: the socket closes, or Asterisk answers 511 /
   * result=-1 and closes. 'dead': GET DATA answers result=-1 and the connection stays open, every
   * later command refused with 511, as on a dead channel, until the server lets go.
   */
  hangUp(how: 'close' | '511' | '-1' | 'dead' = 'close'): void {
    if (how === 'dead') {
      this.dead = true;
      this.send('200 result=-1');
      return;
    }
    if (how === '511') this.send('511 Command Not Permitted on a dead channel or intercept routine');
    else if (how === '-1') this.send('200 result=-1');
    this.socket.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async closedByServer(): Promise<void> {
    while ((await this.read()) !== null) {
      /* drain */
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A speech port that remembers the text of every prompt it made, so tests can read what was said. */
export function recordingSpeech(inner: Speech): Speech & { textOf(file: string): string } {
  const byFile = new Map<string, string>();
  return {
    async prompt(lang, text): Promise<PromptAudio> {
      const a = await inner.prompt(lang, text);
      byFile.set(a.file, text);
      byFile.set(a.file.replace(/\.wav$/, ''), text);
      byFile.set(a.id, text);
      return a;
    },
    fileOf: (id) => inner.fileOf(id),
    stats: () => inner.stats(),
    /** What a played name says: an absolute path, `<sounds>/<id>` or `<url>/<id>.wav`. */
    textOf(file: string): string {
      const t = byFile.get(file) ?? (file.startsWith('/') ? undefined : byFile.get(/([0-9a-f]{32})(?:\.wav)?$/.exec(file)?.[1] ?? ''));
      if (t === undefined) throw new Error(`no prompt was made for ${file}`);
      return t;
    },
  };
}
