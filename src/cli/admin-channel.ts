import { chmodSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import pino from 'pino';
import { CatalogError } from '../domain/catalog/load-catalog.ts';
import type { Core } from '../domain/core.ts';
import { ManualClock } from '../domain/shared/clock.ts';
import { ADMIN_COMMANDS, parseCli, type Io } from './args.ts';
import { runCommand } from './commands.ts';

/** What the command line sends: one JSON line. The server answers with {out}/{err} lines, then {exit}. */
export interface AdminRequest {
  argv: string[];
  cwd: string;
  logLevel?: string;
}

export function adminSocketPath(dataDir: string): string {
  return resolve(dataDir, 'admin.sock');
}

/** Why DATA_DIR cannot carry the admin socket safely, or null when it can. */
export function unsafeDataDir(dataDir: string): string | null {
  const st = statSync(dataDir);
  if (st.mode & 0o002 && !(st.mode & 0o1000)) return `${resolve(dataDir)} is writable by every user (chmod o-w it)`;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid() && process.getuid() !== 0) return `${resolve(dataDir)} belongs to another user`;
  // sun_path holds 104 bytes on macOS, 108 on Linux.
  if (Buffer.byteLength(adminSocketPath(dataDir)) > 103) return `the socket path ${adminSocketPath(dataDir)} is too long for a Unix socket (use a shorter DATA_DIR)`;
  return null;
}

/**
 * The local admin channel of a running server: a Unix socket DATA_DIR/admin.sock that only the
 * owner of the store can open (mode 0600), over which the command line hands the server the
 * operator commands it cannot run itself while the server holds the embedded store.
 */
export async function startAdminChannel(core: Core, dataDir: string): Promise<{ path: string; close(): Promise<void> }> {
  const path = adminSocketPath(dataDir);
  const unsafe = unsafeDataDir(dataDir);
  if (unsafe) throw new Error(unsafe);
  // This process holds the store's lock, so a socket file left here is a dead server's.
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // a client gone mid-answer: the command still completes
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.once('line', (line) => {
      lines.close();
      void serve(core, line, socket);
    });
  });
  // The socket is created 0600 from the start: no moment when another user could connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => {
        server.off('error', fail);
        ok();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return {
    path,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function serve(core: Core, line: string, socket: Socket): Promise<void> {
  const send = (msg: object) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(msg)}\n`);
  };
  const io: Io = { out: (l) => send({ out: l }), err: (l) => send({ err: l }) };
  let code: number;
  try {
    const req = JSON.parse(line) as AdminRequest;
    const args = parseCli(req.argv);
    const cmd = args.positionals[0] ?? '';
    if (!ADMIN_COMMANDS.has(cmd)) {
      io.err(`${cmd}: not run over the admin channel; stop the server to run it`);
      code = 2;
    } else {
      core.log.info({ command: args.positionals.slice(0, 2).join(' ') }, 'admin command');
      let view: Core = {
        ...core,
        // What the command logs goes to its caller, as it would when run directly.
        log: pino({ level: req.logLevel ?? 'info', base: { service: 'abonent' } }, { write: (s: string) => io.out(s.replace(/\n$/, '')) }),
      };
      if (args.values.now) {
        if (!Number.isFinite(Date.parse(args.values.now))) {
          io.err('--now must be an ISO date-time, e.g. 2026-03-01T12:00:00Z');
          code = 2;
          send({ exit: code });
          socket.end();
          return;
        }
        view = { ...view, clock: new ManualClock(args.values.now) };
      }
      code = await runCommand(view, args, io, { cwd: req.cwd, progress: false, store: 'file' });
    }
  } catch (err) {
    io.err(err instanceof CatalogError ? err.message : inspect(err));
    code = 1;
  }
  send({ exit: code });
  socket.end();
}
