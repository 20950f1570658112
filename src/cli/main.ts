import { ConfigError, loadConfig } from '../config.ts';
import { CatalogError, loadCatalogFiles } from '../domain/catalog/load-catalog.ts';
import { ManualClock } from '../domain/shared/clock.ts';
import { StoreLockedError } from '../store/data-dir-lock.ts';
import { ADMIN_COMMANDS, parseCli, usage, type Io } from './args.ts';

const KNOWN = new Set([...ADMIN_COMMANDS, 'start', 'migrate', 'simulate', 'restore', 'voice']);

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  const { values, positionals } = args;
  const [cmd, sub] = positionals;
  if (!cmd || values.help) {
    console.log(usage);
    return cmd || values.help ? 0 : 1;
  }
  // Refused before the store is opened: a typo neither waits for nor disturbs a running server.
  if (!KNOWN.has(cmd)) {
    console.error(`unknown command: ${positionals.join(' ')}\n\n${usage}`);
    return 2;
  }
  if (cmd === 'catalog' && sub === 'check') {
    const files = loadCatalogFiles(values.dir);
    console.log(`catalog ok: ${files.regions.length} regions, ${files.catalog.tariffs.length} tariffs, ${files.catalog.products.length} products`);
    return 0;
  }
  const config = loadConfig();
  if (cmd === 'voice') return await (await import('./voice-prompts.ts')).voiceCommand(config, args, consoleIo, process.cwd());
  try {
    if (cmd === 'start') return await (await import('./start.ts')).startServer(config);
    if (cmd === 'restore') return await (await import('./restore.ts')).restoreStore(config, sub, { force: values.force ?? false, cwd: process.cwd() }, consoleIo);
    let clock: ManualClock | undefined;
    if (values.now) {
      if (!Number.isFinite(Date.parse(values.now))) {
        console.error('--now must be an ISO date-time, e.g. 2026-03-01T12:00:00Z');
        return 2;
      }
      clock = new ManualClock(values.now);
    }
    // The domain is loaded only when this process runs the command itself.
    const { createCore } = await import('../runtime.ts');
    const core = await createCore(config, clock ? { clock } : {});
    try {
      const { runCommand } = await import('./commands.ts');
      return await runCommand(core, args, consoleIo, { cwd: process.cwd(), progress: process.stderr.isTTY, store: config.DATABASE_URL ? 'postgres' : config.STORE });
    } finally {
      await core.db.close();
    }
  } catch (e) {
    if (!(e instanceof StoreLockedError)) throw e;
    if (ADMIN_COMMANDS.has(cmd) && !(cmd === 'catalog' && sub !== 'load')) {
      const { adminSocketPath } = await import('./admin-channel.ts');
      const { runOverAdminChannel } = await import('./admin-client.ts');
      const code = await runOverAdminChannel(adminSocketPath(config.DATA_DIR), { argv, cwd: process.cwd(), logLevel: config.LOG_LEVEL }, consoleIo);
      if (code !== null) return code;
      console.error(`abonent: ${e.message}.\nThat process offers no admin channel (a running \`abonent start\` does): run this command when it has finished.`);
      return 1;
    }
    console.error(`abonent: ${e.message}.\n\`${cmd}\` needs the store to itself: stop that process first${cmd === 'migrate' ? ' (a server applies the migrations when it starts)' : ''}.`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof CatalogError) console.error(err.message);
    else console.error(err);
    process.exitCode = 1;
  },
);
