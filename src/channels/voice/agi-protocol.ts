import type { Socket } from 'node:net';

/**
 * The Asterisk side of a FastAGI connection, line by line: the `agi_*: value` header, then one
 * command at a time answered by `200 result=<n> [(data)] [endpos=<n>]`. A dead channel (`511`), an
 * unsolicited `HANGUP` line or a closed socket mean the caller has gone; a peer silent past the
 * command timeout is treated the same, so it cannot hold the server. `result=-1` is a hang-up for
 * most commands, but STREAM FILE and GET DATA also answer it for a sound file Asterisk cannot open:
 * those are sent with `exchange` and the channel asked (`channelAlive`) before deciding.
 */
export class AgiHangup extends Error {
  constructor(reason: string) {
    super(`hang-up: ${reason}`);
    this.name = 'AgiHangup';
  }
}

export interface AgiReply {
  code: number;
  result: string;
  data: string | null;
  raw: string;
}

const MAX_LINE = 8192;
const MAX_HEADER_LINES = 200;

export function parseAgiReply(line: string): AgiReply | null {
  const m = /^(\d{3})[ -](.*)$/.exec(line);
  if (!m) return null;
  const code = Number(m[1]);
  const rest = m[2]!;
  const r = /(?:^|\s)result=(\S*)(?:\s+\(([^)]*)\))?/.exec(rest);
  return { code, result: r?.[1] ?? '', data: r?.[2] ?? null, raw: line };
}

/** Escapes a value for an AGI argument in double quotes. */
export function agiQuote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
}

export class AgiConnection {
  private buf = '';
  private lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private closed = false;
  private hungUp = false;

  constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      if (this.buf.length > MAX_LINE * 4 && !this.buf.includes('\n')) {
        socket.destroy();
        return;
      }
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        this.push(line);
      }
    });
    const end = () => {
      this.closed = true;
      const w = this.waiter;
      this.waiter = null;
      w?.(null);
    };
    socket.on('close', end);
    socket.on('end', end);
    socket.on('error', end);
  }

  private push(line: string): void {
    // Asterisk announces a hang-up on its own line (AGISIGHUP); no reply follows it.
    if (line === 'HANGUP') {
      this.hungUp = true;
      const w = this.waiter;
      this.waiter = null;
      w?.(null);
      return;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(line);
    } else if (this.lines.length < MAX_HEADER_LINES) this.lines.push(line.slice(0, MAX_LINE));
  }

  private next(timeoutMs: number): Promise<string | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed || this.hungUp) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  /** The `agi_*` variables, read until the blank line; null when the peer does not send them in time. */
  async readHeader(timeoutMs: number): Promise<Record<string, string> | null> {
    const vars: Record<string, string> = {};
    const deadline = Date.now() + timeoutMs;
    for (let n = 0; n < MAX_HEADER_LINES; n++) {
      const line = await this.next(Math.max(1, deadline - Date.now()));
      if (line === null) return null;
      if (line === '') return vars;
      const m = /^(agi_[a-z_0-9]+):\s?(.*)$/.exec(line);
      if (m) vars[m[1]!] = m[2]!;
    }
    return null;
  }

  /** Sends one command and waits for its final reply line; throws AgiHangup when the call is gone, `result=-1` included. */
  async command(cmd: string, extraWaitMs = 0): Promise<AgiReply> {
    const reply = await this.exchange(cmd, extraWaitMs);
    if (reply.code === 200 && reply.result === '-1') throw new AgiHangup('result=-1');
    return reply;
  }

  /**
   * Sends one command and returns its final reply, `result=-1` included; throws AgiHangup on `511`,
   * a `HANGUP` line, a closed socket or no reply in time.
   */
  async exchange(cmd: string, extraWaitMs = 0): Promise<AgiReply> {
    if (this.closed || this.hungUp) throw new AgiHangup(this.hungUp ? 'HANGUP' : 'socket closed');
    this.socket.write(`${cmd}\n`);
    for (;;) {
      const line = await this.next(this.commandTimeoutMs + extraWaitMs);
      if (line === null) throw new AgiHangup(this.closed ? 'socket closed' : this.hungUp ? 'HANGUP' : 'no reply in time');
      const reply = parseAgiReply(line);
      // Lines of a multi-line usage message ("520-…") and anything unreadable are skipped.
      if (!reply || line[3] === '-') continue;
      if (reply.code === 511) throw new AgiHangup('511 dead channel');
      return reply;
    }
  }

  /**
   * Whether the caller is still there: `CHANNEL STATUS` answers `200 result=<state>` (6 when up) on
   * a live channel, and `511` (or nothing, or HANGUP) on one that is gone, which throws.
   */
  async channelAlive(): Promise<boolean> {
    const r = await this.exchange('CHANNEL STATUS');
    return r.code === 200 && /^\d+$/.test(r.result);
  }

  close(): void {
    this.closed = true;
    // Flush what was written (the last HANGUP), then close whatever the peer does.
    this.socket.end(() => this.socket.destroy());
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}
