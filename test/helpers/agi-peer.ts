import { connect, type Socket } from 'node:net';
import type { PromptAudio, Speech } from '../../src/adapters/speech/espeak.ts';

/**
 * The Asterisk side of FastAGI over real TCP, scripted by a test: it connects, sends the `agi_*`
 * header and answers the server's commands as Asterisk would — ANSWER and STREAM FILE at once
 * (or STREAM FILE interrupted by a key), GET DATA with the digits the script presses, silence, or
 * a hang-up (socket closed, 511 dead channel, or result=-1).
 */
export interface AgiTurn {
  /** Files played this turn, in order (the last one is GET DATA's prompt unless the call ended). */
  files: string[];
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

  private constructor(private readonly socket: Socket) {
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

  static async dial(port: number, vars: Record<string, string>, opts: { header?: boolean } = {}): Promise<AgiPeer> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((ok, fail) => {
      socket.once('connect', ok);
      socket.once('error', fail);
    });
    const peer = new AgiPeer(socket);
    if (opts.header !== false) {
      const all = { agi_network: 'yes', agi_request: `agi://127.0.0.1:${port}/`, agi_channel: 'SIP/test-0001', agi_language: 'ru', agi_type: 'SIP', agi_extension: '111', agi_context: 'default', ...vars };
      socket.write(Object.entries(all).map(([k, v]) => `${k}: ${v}\n`).join('') + '\n');
    }
    return peer;
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
    const commands: string[] = [];
    for (;;) {
      const line = await this.read();
      if (line === null) return { files, kind: 'hangup', maxDigits: 0, commands };
      commands.push(line);
      if (line === 'ANSWER') this.send('200 result=0');
      else if (line.startsWith('STREAM FILE ')) {
        const m = /^STREAM FILE (\S+) "(.*)"$/.exec(line);
        if (!m) throw new Error(`malformed STREAM FILE: ${line}`);
        files.push(m[1]!);
        if (this.bargeKey && m[2]!.includes(this.bargeKey)) {
          const key = this.bargeKey;
          this.bargeKey = null;
          this.send(`200 result=${key.charCodeAt(0)} endpos=800`);
          return { files, kind: 'input', maxDigits: 1, commands };
        }
        this.send('200 result=0 endpos=16000');
      } else if (line.startsWith('GET DATA ')) {
        const m = /^GET DATA (\S+) (\d+) (\d+)$/.exec(line);
        if (!m) throw new Error(`malformed GET DATA: ${line}`);
        files.push(m[1]!);
        return { files, kind: 'input', maxDigits: Number(m[3]), commands };
      } else if (line === 'HANGUP') {
        this.send('200 result=1');
        return { files, kind: 'hangup', maxDigits: 0, commands };
      } else this.send('510 Invalid or unknown command');
    }
  }

  /** GET DATA answered with these digits ('#' ends them, as the keypad does). */
  press(digits: string): void {
    this.send(`200 result=${digits}`);
  }

  /** GET DATA timed out with nothing pressed. */
  silence(): void {
    this.send('200 result= (timeout)');
  }

  /** The caller hangs up while the server waits: the socket closes, or Asterisk answers 511 / result=-1. */
  hangUp(how: 'close' | '511' | '-1' = 'close'): void {
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
      return a;
    },
    fileOf: (id) => inner.fileOf(id),
    stats: () => inner.stats(),
    textOf(file: string): string {
      const t = byFile.get(file);
      if (t === undefined) throw new Error(`no prompt was made for ${file}`);
      return t;
    },
  };
}
