// A child process for the crash test: an instance that inserts an SMS reply claimed for submitting at
// once (as an answered incoming SMS does, `queueReply` in mode `claim`), prints `claimed <id>`, and
// then hangs before submitting it, until the test kills it with SIGKILL.
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { queueReply } from '../../src/domain/notifications/enqueue-sms.ts';
import { createCore } from '../../src/runtime.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';

const url = process.env.DATABASE_URL ?? '';
if (url) {
  const admin = await openPostgres({ url, poolSize: 1 });
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${process.env.DATABASE_SCHEMA!}`);
  await admin.close();
}
const db = url ? await openPostgres({ url, schema: process.env.DATABASE_SCHEMA!, poolSize: 2 }) : await openPglite(`${process.env.DATA_DIR!}/pglite`);
const core = await createCore(loadConfig({ NODE_ENV: 'test', STORE: 'memory', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv), { db, log: pino({ level: 'silent' }) });
const reply = await queueReply(core, { moId: 0, outcome: 'replied', msisdn: '79001234567', text: 'Баланс: 100 ₽', sender: '8111', kind: 'reply', at: new Date(), mode: 'claim' });
if (!reply.claimed) throw new Error('the reply was not claimed');
console.log(`claimed ${reply.id}`);
setInterval(() => undefined, 60_000);
