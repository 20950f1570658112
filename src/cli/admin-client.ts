import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { Io } from './args.ts';
import type { AdminRequest } from './admin-channel.ts';

/**
 * Hands a command to the server that holds the store, over its admin socket, and relays what it
 * prints. Resolves to the command's exit code, or null when no server answers on that socket.
 */
export async function runOverAdminChannel(path: string, req: AdminRequest, io: Io): Promise<number | null> {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  // Only a socket of the store's owner is trusted with the command (it may carry a password).
  if (uid !== null && uid !== 0 && st.uid !== uid) throw new Error(`${path} belongs to another user; not sending the command there`);
  return new Promise<number | null>((resolve) => {
    let exit: number | null = null;
    let connected = false;
    const socket = connect(path, () => {
      connected = true;
      socket.write(`${JSON.stringify(req)}\n`);
    });
    socket.on('error', () => undefined);
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { out?: string; err?: string; exit?: number };
      if (msg.out !== undefined) io.out(msg.out);
      if (msg.err !== undefined) io.err(msg.err);
      if (msg.exit !== undefined) exit = msg.exit;
    });
    socket.once('close', () => {
      if (!connected) return resolve(null);
      if (exit === null) {
        io.err('the server closed the admin channel before the command finished');
        return resolve(1);
      }
      resolve(exit);
    });
  });
}
