import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { createApiKey, revokeApiKey } from '../domain/auth/api-keys.ts';
import { hashPassword, newPassword } from '../domain/auth/secrets.ts';
import { setPasswordHash } from '../domain/auth/subscriber-login.ts';
import { CatalogError, loadCatalogFiles } from '../domain/catalog/load-catalog.ts';
import { syncCatalog } from '../domain/catalog/sync-catalog.ts';
import { verifyLedger } from '../domain/ledger/verify-ledger.ts';
import { addPoolNumbers } from '../domain/number-pool/add-pool-numbers.ts';
import { listNumberPool } from '../domain/number-pool/list-number-pool.ts';
import { releaseQuarantine } from '../domain/number-pool/release-quarantine.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { isDomainError } from '../domain/shared/errors.ts';
import { normalizeMsisdn } from '../domain/shared/msisdn.ts';
import { errorMessage } from '../i18n/error-messages.ts';
import { createCore } from '../runtime.ts';
import { seedSubscribers } from '../seed/seed-demo.ts';
import { simulateTick, simulationNumbers } from '../seed/simulate-traffic.ts';
import { ManualClock } from '../domain/shared/clock.ts';
import { feeRunJob } from '../jobs/fee-run.ts';
import { importCdrFile } from './import-cdr.ts';
import { startServer } from './start.ts';

const usage = `abonent — self-service platform for mobile operators

Usage: abonent <command> [options]

  start                       migrate, load the catalog into an empty store (and demo data unless
                              NODE_ENV=production), serve HTTP
  migrate                     apply database migrations
  catalog load [--dir DIR]    validate catalog/*.json and write it into the store
  catalog check [--dir DIR]   validate the catalog files only
  seed --subscribers N        add N generated subscribers (deterministic; --seed S)
  verify                      check every balance equals the sum of its ledger entries
  bill [--now ISO] [--batch N]
                              charge every recurring fee due by now (under the fee lease)
  import-cdr FILE.csv [--batch N]
                              rate and book usage records from a CSV file (idempotent)
  simulate [--minutes M] [--rate R]
                              generate realistic usage for demo subscribers (R records a second)

Options for every command: --now ISO runs with the clock fixed at that instant (simulations, tests).
  apikey create --name NAME   create an operator API key (printed once)
  apikey revoke --prefix P    revoke an operator API key
  password reset --msisdn N [--password P]
                              set a subscriber's password (random when not given)
  numbers add --region R --from MSISDN --count N
                              add N consecutive numbers to region R's pool of free numbers
  numbers list [--region R] [--status free|reserved|quarantined]
                              the number pool: counts per region and status (and the numbers of a region)
  numbers release [--region R]
                              free quarantined numbers whose quarantine has ended

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, TRUSTED_PROXIES, …
(see README.md).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      subscribers: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      prefix: { type: 'string' },
      msisdn: { type: 'string' },
      password: { type: 'string' },
      dir: { type: 'string' },
      minutes: { type: 'string' },
      rate: { type: 'string' },
      batch: { type: 'string' },
      now: { type: 'string' },
      region: { type: 'string' },
      from: { type: 'string' },
      count: { type: 'string' },
      status: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub] = positionals;
  if (!cmd || values.help) {
    console.log(usage);
    return cmd || values.help ? 0 : 1;
  }
  if (cmd === 'catalog' && sub === 'check') {
    const files = loadCatalogFiles(values.dir);
    console.log(`catalog ok: ${files.regions.length} regions, ${files.catalog.tariffs.length} tariffs, ${files.catalog.products.length} products`);
    return 0;
  }
  const config = loadConfig();
  if (cmd === 'start') return startServer(config);
  let clock: ManualClock | undefined;
  if (values.now) {
    if (!Number.isFinite(Date.parse(values.now))) {
      console.error('--now must be an ISO date-time, e.g. 2026-03-01T12:00:00Z');
      return 2;
    }
    clock = new ManualClock(values.now);
  }
  const core = await createCore(config, clock ? { clock } : {});
  try {
    switch (cmd) {
      case 'migrate':
        console.log('migrations applied');
        return 0;
      case 'catalog': {
        if (sub !== 'load') break;
        const counts = await syncCatalog(core.db, loadCatalogFiles(values.dir));
        console.log(`catalog loaded: ${counts.regions} regions, ${counts.tariffs} tariffs, ${counts.products} products`);
        return 0;
      }
      case 'seed': {
        const n = Number(values.subscribers ?? '0');
        if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
          console.error('seed: --subscribers must be a whole number from 1 to 10000000');
          return 2;
        }
        const empty = (await core.db.query('SELECT 1 FROM tariff_plan LIMIT 1')).length === 0;
        if (empty) await syncCatalog(core.db, loadCatalogFiles());
        await seedSubscribers(core, { count: n, seed: Number(values.seed ?? 42), progress: process.stderr.isTTY });
        console.log(`seeded ${n} subscribers`);
        return 0;
      }
      case 'verify': {
        const res = await verifyLedger(core.db);
        if (res.mismatches.length === 0) {
          console.log(`ledger ok: ${res.accounts} accounts, ${res.entries} entries, every balance equals the sum of its entries`);
          return 0;
        }
        console.error(`ledger MISMATCH on ${res.mismatches.length} account(s):`);
        for (const m of res.mismatches) console.error(`  account ${m.accountId}: balance ${m.balance}, entries sum ${m.sumOfEntries}`);
        return 1;
      }
      case 'bill': {
        let batches = 0;
        const batchSize = values.batch ? Number(values.batch) : undefined;
        const stats = await feeRunJob(core, {
          ...(batchSize ? { batchSize } : {}),
          onBatch: (st) => console.log(`batch ${++batches}: ${st.accounts} accounts, ${st.tariffFees + st.productFees} fees, ${st.suspended} suspended`),
        });
        if (!stats) {
          console.log('another instance holds the fee lease; nothing done');
          return 0;
        }
        console.log(`fee run done: ${stats.accounts} accounts, ${stats.tariffFees} tariff fees, ${stats.productFees} product fees, ${stats.suspended} suspended, ${stats.amount} kopecks`);
        return 0;
      }
      case 'import-cdr': {
        if (!sub) {
          console.error('import-cdr: name the CSV file');
          return 2;
        }
        let shown = 0;
        const res = await importCdrFile(core, sub, {
          progress: process.stderr.isTTY,
          ...(values.batch ? { batchSize: Number(values.batch) } : {}),
          onBatch: (n, accepted) => console.log(`batch ${n}: ${accepted} rated`),
          // Each refused record with its reason, so the file can be fixed; the rest is booked.
          onRejected: (r) => {
            if (++shown <= 100) console.log(`rejected ${r.recordId}: ${r.reason}`);
          },
        });
        if (shown > 100) console.log(`… and ${shown - 100} more rejected records`);
        console.log(`import done: ${res.accepted} rated, ${res.duplicates} already seen, ${res.rejected} rejected, ${res.charged} kopecks charged`);
        return res.rejected > 0 ? 1 : 0;
      }
      case 'simulate': {
        const minutes = Number(values.minutes ?? '1');
        const rate = Number(values.rate ?? '50');
        if (!(minutes > 0 && minutes <= 24 * 60) || !(rate >= 1 && rate <= 100_000)) {
          console.error('simulate: --minutes 0..1440 and --rate 1..100000');
          return 2;
        }
        const numbers = await simulationNumbers(core, 1000);
        const until = Date.now() + minutes * 60_000;
        let tick = 0;
        let total = 0;
        while (Date.now() < until) {
          const started = Date.now();
          const res = await simulateTick(core, { msisdns: numbers, records: rate, seed: Number(values.seed ?? 1) * 1_000_000 + ++tick });
          total += res.accepted;
          if (tick % 10 === 0) console.log(`${total} records rated`);
          if (clock) clock.advance(1000);
          // One batch a second, as a switch would deliver them.
          await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
        }
        console.log(`simulation done: ${total} records`);
        return 0;
      }
      case 'apikey': {
        if (sub === 'create') {
          if (!values.name) {
            console.error('apikey create: --name is required');
            return 2;
          }
          const k = await createApiKey(core.db, { name: values.name });
          console.log(`API key "${values.name}" (prefix ${k.prefix}); shown only now:\n${k.key}`);
          return 0;
        }
        if (sub === 'revoke') {
          if (!values.prefix) {
            console.error('apikey revoke: --prefix is required');
            return 2;
          }
          const ok = await revokeApiKey(core.db, values.prefix);
          console.log(ok ? 'revoked' : 'no active key with that prefix');
          return ok ? 0 : 1;
        }
        break;
      }
      case 'numbers': {
        const ctx = systemCtx('cli', 'cli');
        try {
          if (sub === 'add') {
            if (!values.region || !values.from || !values.count || !/^\d+$/.test(values.count)) {
              console.error('numbers add: --region, --from and --count (a whole number) are required');
              return 2;
            }
            const res = await addPoolNumbers(core, ctx, { regionCode: values.region, from: values.from, count: Number(values.count) });
            console.log(`added ${res.added} numbers to region ${res.regionCode}: ${res.from}–${res.to}`);
            return 0;
          }
          if (sub === 'list') {
            const status = values.status as 'free' | 'reserved' | 'quarantined' | undefined;
            if (status && !['free', 'reserved', 'quarantined'].includes(status)) {
              console.error('numbers list: --status is free, reserved or quarantined');
              return 2;
            }
            const res = await listNumberPool(core, ctx, { region: values.region, status, limit: 1000 });
            console.log('region  free  reserved  quarantined  (quarantine over)');
            for (const r of res.regions) console.log(`${r.regionCode.padEnd(6)}  ${String(r.free).padStart(4)}  ${String(r.reserved).padStart(8)}  ${String(r.quarantined).padStart(11)}  (${r.quarantineEnded})  ${r.regionName}`);
            console.log(`total   ${res.total.free} free, ${res.total.reserved} reserved, ${res.total.quarantined} quarantined`);
            if (values.region || status) for (const i of res.items) console.log(`${i.msisdn}  ${i.regionCode}  ${i.status}${i.availableAt ? `  until ${i.availableAt}` : ''}`);
            return 0;
          }
          if (sub === 'release') {
            const res = await releaseQuarantine(core, ctx, { region: values.region });
            console.log(`released ${res.released} numbers from quarantine`);
            return 0;
          }
        } catch (e) {
          if (!isDomainError(e)) throw e;
          console.error(`numbers ${sub}: ${errorMessage(e.code, e.params, 'en')} (${e.code})`);
          return 1;
        }
        break;
      }
      case 'password': {
        if (sub !== 'reset') break;
        const msisdn = normalizeMsisdn(values.msisdn ?? '');
        if (!msisdn) {
          console.error('password reset: --msisdn must be a phone number');
          return 2;
        }
        const rows = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [msisdn]);
        if (!rows[0]) {
          console.error(`password reset: no subscriber ${msisdn}`);
          return 1;
        }
        const password = values.password ?? newPassword();
        await setPasswordHash(core.db, rows[0].id, await hashPassword(password), core.clock.now());
        console.log(`password for ${msisdn} set${values.password ? '' : `: ${password}`}`);
        return 0;
      }
    }
    console.error(`unknown command: ${positionals.join(' ')}\n\n${usage}`);
    return 2;
  } finally {
    await core.db.close();
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
