import { resolve } from 'node:path';
import { createApiKey, parseScopes, revokeApiKey, setApiKeyScopes } from '../domain/auth/api-keys.ts';
import { hashPassword, newPassword } from '../domain/auth/secrets.ts';
import { setPasswordHash } from '../domain/auth/subscriber-login.ts';
import { loadCatalogFiles } from '../domain/catalog/load-catalog.ts';
import { syncCatalog } from '../domain/catalog/sync-catalog.ts';
import type { Core } from '../domain/core.ts';
import { verifyBills } from '../domain/bills/verify-bills.ts';
import { verifyLedger } from '../domain/ledger/verify-ledger.ts';
import { addPoolNumbers } from '../domain/number-pool/add-pool-numbers.ts';
import { listNumberPool } from '../domain/number-pool/list-number-pool.ts';
import { releaseQuarantine } from '../domain/number-pool/release-quarantine.ts';
import { ManualClock } from '../domain/shared/clock.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { isDomainError } from '../domain/shared/errors.ts';
import { normalizeMsisdn } from '../domain/shared/msisdn.ts';
import { createStaffUser } from '../domain/staff/create-staff-user.ts';
import { errorMessage } from '../domain/shared/error-messages.ts';
import { feeRunJob } from '../jobs/fee-run.ts';
import { seedSubscribers } from '../seed/seed-demo.ts';
import { simulateTick, simulationNumbers } from '../seed/simulate-traffic.ts';
import { usage, type CliArgs, type Io } from './args.ts';
import { POSTGRES_BACKUP, writeBackup } from './backup.ts';
import { importCdrFile } from './import-cdr.ts';

export interface CommandEnv {
  /** Where relative file names are resolved: the caller's directory, also when a server runs the command. */
  cwd: string;
  progress: boolean;
  store: 'file' | 'memory' | 'postgres';
}

/**
 * Runs one command against an open core and returns its exit code. The same function serves the
 * command line directly and, for a running server, its admin channel: same output, same code.
 */
export async function runCommand(core: Core, { values, positionals }: CliArgs, io: Io, env: CommandEnv): Promise<number> {
  const [cmd, sub] = positionals;
  switch (cmd) {
    case 'migrate':
      io.out('migrations applied');
      return 0;
    case 'backup': {
      if (!sub) {
        io.err('backup: name the file to write, e.g. abonent backup abonent-2026-03-01.tar.gz');
        return 2;
      }
      if (!core.db.dumpDataDir || env.store !== 'file') {
        io.err(env.store === 'postgres' ? POSTGRES_BACKUP : 'backup: STORE=memory keeps nothing on disk to back up');
        return 2;
      }
      const res = await writeBackup(core.db, resolve(env.cwd, sub));
      io.out(`backup written: ${res.path} (${res.bytes} bytes)`);
      return 0;
    }
    case 'staff': {
      if (sub !== 'create') break;
      if (!values.email) {
        io.err('staff create: --email is required');
        return 2;
      }
      try {
        const s = await createStaffUser(core, systemCtx('cli', 'cli'), { email: values.email, ...(values.name ? { name: values.name } : {}), ...(values.password ? { password: values.password } : {}) });
        io.out(`staff account ${s.email} created (id ${s.id})${s.generated ? `; password, shown only now:\n${s.password}` : ''}`);
        return 0;
      } catch (e) {
        if (!isDomainError(e)) throw e;
        io.err(`staff create: ${errorMessage(e.code, e.params, 'en')} (${e.code})`);
        return 1;
      }
    }      case 'catalog': {
      if (sub !== 'load') break;
      const counts = await syncCatalog(core.db, loadCatalogFiles(values.dir));
      io.out(`catalog loaded: ${counts.regions} regions, ${counts.tariffs} tariffs, ${counts.products} products`);
      return 0;
    }
    case 'seed': {
      const n = Number(values.subscribers ?? '0');
      if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
        io.err('seed: --subscribers must be a whole number from 1 to 10000000');
        return 2;
      }
      const empty = (await core.db.query('SELECT 1 FROM tariff_plan LIMIT 1')).length === 0;
      if (empty) await syncCatalog(core.db, loadCatalogFiles());
      await seedSubscribers(core, { count: n, seed: Number(values.seed ?? 42), progress: env.progress });
      io.out(`seeded ${n} subscribers`);
      return 0;
    }
    case 'verify': {
      const res = await verifyLedger(core.db);
      const bills = await verifyBills(core.db);
      let code = 0;
      if (res.mismatches.length === 0) {
        io.out(`ledger ok: ${res.accounts} accounts, ${res.entries} entries, every balance equals the sum of its entries`);
      } else {
        io.err(`ledger MISMATCH on ${res.mismatches.length} account(s):`);
        for (const m of res.mismatches) io.err(`  account ${m.accountId}: balance ${m.balance}, entries sum ${m.sumOfEntries}`);
        code = 1;
      }
      if (res.unpairedKeys > 0) {
        io.err(`ledger MISMATCH: ${res.unpairedKeys} entries or idempotency keys without their pair in ledger_entry_key`);
        code = 1;
      }
      if (res.monthSpendMismatches > 0) {
        io.err(`ledger MISMATCH: ${res.monthSpendMismatches} month(s) of account_month_spend differ from the month's charges in the ledger`);
        code = 1;
      }
      if (bills.mismatches.length === 0) {
        io.out(`bills ok: ${bills.bills} bills, each adds up to the ledger's movement of its month`);
      } else {
        io.err(`bill MISMATCH on ${bills.mismatches.length} check(s):`);
        for (const m of bills.mismatches) io.err(`  bill ${m.number}: ${m.problem} expected ${m.expected}, bill has ${m.actual}`);
        code = 1;
      }
      return code;
    }
    case 'bill': {
      let batches = 0;
      const batchSize = values.batch ? Number(values.batch) : undefined;
      const run = () =>
        feeRunJob(core, {
          ...(batchSize ? { batchSize } : {}),
          onBatch: (st) => io.out(`batch ${++batches}: ${st.accounts} accounts, ${st.tariffFees + st.productFees} fees, ${st.suspended} suspended`),
        });
      // A run in progress (the running server's scheduler, or another instance's) usually ends
      // within moments: wait for it a while, then charge what it left, rather than do nothing.
      const waitUntil = Date.now() + 30_000;
      let stats = await run();
      while (!stats && Date.now() < waitUntil) {
        await new Promise((r) => setTimeout(r, 250));
        stats = await run();
      }
      if (!stats) {
        io.out('another instance holds the fee lease; nothing done');
        return 0;
      }
      io.out(`fee run done: ${stats.accounts} accounts, ${stats.tariffFees} tariff fees, ${stats.productFees} product fees, ${stats.suspended} suspended, ${stats.amount} kopecks`);
      return 0;
    }
    case 'import-cdr': {
      if (!sub) {
        io.err('import-cdr: name the CSV file');
        return 2;
      }
      let shown = 0;
      const res = await importCdrFile(core, resolve(env.cwd, sub), {
        progress: env.progress,
        ...(values.batch ? { batchSize: Number(values.batch) } : {}),
        onBatch: (n, accepted) => io.out(`batch ${n}: ${accepted} rated`),
        // Each refused record with its reason, so the file can be fixed; the rest is booked.
        onRejected: (r) => {
          if (++shown <= 100) io.out(`rejected ${r.recordId}: ${r.reason}`);
        },
      });
      if (shown > 100) io.out(`… and ${shown - 100} more rejected records`);
      io.out(`import done: ${res.accepted} rated, ${res.duplicates} already seen, ${res.rejected} rejected, ${res.charged} kopecks charged`);
      return res.rejected > 0 ? 1 : 0;
    }
    case 'simulate': {
      const minutes = Number(values.minutes ?? '1');
      const rate = Number(values.rate ?? '50');
      if (!(minutes > 0 && minutes <= 24 * 60) || !(rate >= 1 && rate <= 100_000)) {
        io.err('simulate: --minutes 0..1440 and --rate 1..100000');
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
        if (tick % 10 === 0) io.out(`${total} records rated`);
        if (core.clock instanceof ManualClock) core.clock.advance(1000);
        // One batch a second, as a switch would deliver them.
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
      }
      io.out(`simulation done: ${total} records`);
      return 0;
    }
    case 'apikey': {
      try {
        if (sub === 'create') {
          if (!values.name) {
            io.err('apikey create: --name is required');
            return 2;
          }
          const scopes = values.scopes === undefined ? null : parseScopes(values.scopes);
          const k = await createApiKey(core.db, { name: values.name, scopes });
          io.out(`API key "${values.name}" (prefix ${k.prefix}; scopes: ${scopes ? scopes.join(', ') : 'all'}); shown only now:\n${k.key}`);
          return 0;
        }
        if (sub === 'scopes') {
          if (!values.prefix || !values.scopes) {
            io.err('apikey scopes: --prefix and --scopes are required (--scopes all, or read,party:write,…)');
            return 2;
          }
          const scopes = parseScopes(values.scopes);
          const ok = await setApiKeyScopes(core.db, values.prefix, scopes);
          io.out(ok ? `scopes: ${scopes ? scopes.join(', ') : 'all'}` : 'no active key with that prefix');
          return ok ? 0 : 1;
        }
        if (sub === 'revoke') {
          if (!values.prefix) {
            io.err('apikey revoke: --prefix is required');
            return 2;
          }
          const ok = await revokeApiKey(core.db, values.prefix);
          io.out(ok ? 'revoked' : 'no active key with that prefix');
          return ok ? 0 : 1;
        }
      } catch (e) {
        if (!isDomainError(e)) throw e;
        io.err(`apikey ${sub}: ${errorMessage(e.code, e.params, 'en')}: ${String(e.params.message ?? '')}`);
        return 2;
      }
      break;
    }
    case 'numbers': {
      const ctx = systemCtx('cli', 'cli');
      try {
        if (sub === 'add') {
          if (!values.region || !values.from || !values.count || !/^\d+$/.test(values.count)) {
            io.err('numbers add: --region, --from and --count (a whole number) are required');
            return 2;
          }
          const res = await addPoolNumbers(core, ctx, { regionCode: values.region, from: values.from, count: Number(values.count) });
          io.out(`added ${res.added} numbers to region ${res.regionCode}: ${res.from}–${res.to}`);
          return 0;
        }
        if (sub === 'list') {
          const status = values.status as 'free' | 'reserved' | 'quarantined' | undefined;
          if (status && !['free', 'reserved', 'quarantined'].includes(status)) {
            io.err('numbers list: --status is free, reserved or quarantined');
            return 2;
          }
          const res = await listNumberPool(core, ctx, { region: values.region, status, limit: 1000 });
          io.out('region  free  reserved  quarantined  (quarantine over)');
          for (const r of res.regions) io.out(`${r.regionCode.padEnd(6)}  ${String(r.free).padStart(4)}  ${String(r.reserved).padStart(8)}  ${String(r.quarantined).padStart(11)}  (${r.quarantineEnded})  ${r.regionName}`);
          io.out(`total   ${res.total.free} free, ${res.total.reserved} reserved, ${res.total.quarantined} quarantined`);
          if (values.region || status) for (const i of res.items) io.out(`${i.msisdn}  ${i.regionCode}  ${i.status}${i.availableAt ? `  until ${i.availableAt}` : ''}`);
          return 0;
        }
        if (sub === 'release') {
          const res = await releaseQuarantine(core, ctx, { region: values.region });
          io.out(`released ${res.released} numbers from quarantine`);
          return 0;
        }
      } catch (e) {
        if (!isDomainError(e)) throw e;
        io.err(`numbers ${sub}: ${errorMessage(e.code, e.params, 'en')} (${e.code})`);
        return 1;
      }
      break;
    }
    case 'password': {
      if (sub !== 'reset') break;
      const msisdn = normalizeMsisdn(values.msisdn ?? '');
      if (!msisdn) {
        io.err('password reset: --msisdn must be a phone number');
        return 2;
      }
      const rows = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [msisdn]);
      if (!rows[0]) {
        io.err(`password reset: no subscriber ${msisdn}`);
        return 1;
      }
      const password = values.password ?? newPassword();
      await setPasswordHash(core.db, rows[0].id, await hashPassword(password), core.clock.now());
      io.out(`password for ${msisdn} set${values.password ? '' : `: ${password}`}`);
      return 0;
    }
  }
  io.err(`unknown command: ${positionals.join(' ')}\n\n${usage}`);
  return 2;
}
