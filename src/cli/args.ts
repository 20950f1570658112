import { parseArgs } from 'node:util';

export const usage = `abonent — self-service platform for mobile operators

Usage: abonent <command> [options]

  start                       migrate, load the catalog into an empty store (and demo data unless
                              NODE_ENV=production), serve HTTP
  migrate                     apply database migrations
  catalog load [--dir DIR]    validate catalog/*.json and write it into the store
  catalog check [--dir DIR]   validate the catalog files only
  seed --subscribers N        add N generated subscribers (deterministic; --seed S)
  verify                      check every balance equals the sum of its ledger entries, and every bill the ledger
  bill [--now ISO] [--batch N]
                              charge every recurring fee due by now (under the fee lease)
  import-cdr FILE.csv [--batch N]
                              rate and book usage records from a CSV file (idempotent)
  simulate [--minutes M] [--rate R]
                              generate realistic usage for demo subscribers (R records a second)
  apikey create --name NAME [--scopes S]
                              create an operator API key (printed once); --scopes limits it to
                              read and some writes: read,party:write,… (all when not given)
  apikey scopes --prefix P --scopes S
                              set what a key may do (all, or read,payment:write,…; docs/tmf.md)
  apikey revoke --prefix P    revoke an operator API key
  password reset --msisdn N [--password P]
                              set a subscriber's password (random when not given)
  staff create --email E [--name N] [--password P]
                              create an operator staff account (a random password is printed once)
  numbers add --region R --from MSISDN --count N
                              add N consecutive numbers to region R's pool of free numbers
  numbers list [--region R] [--status free|reserved|quarantined]
                              the number pool: counts per region and status (and the numbers of a region)
  numbers release [--region R]
                              free quarantined numbers whose quarantine has ended
  backup FILE                 a consistent copy of the embedded store (gzipped tar), also while it serves
  restore FILE [--force]      rebuild the embedded store in DATA_DIR from a backup (--force replaces one)
  voice export-prompts DIR    write the fixed voice prompts as Asterisk sounds (8 kHz .wav) for an
                              Asterisk on another machine (docs/voice.md)

Options for every command: --now ISO runs with the clock fixed at that instant (simulations, tests).

The embedded store (DATA_DIR) belongs to one process at a time. While \`abonent start\` serves it,
apikey, password, staff, numbers, import-cdr, bill, verify, catalog load, seed and backup are run
by the server for you, over its admin socket DATA_DIR/admin.sock (yours only); other commands wait
until it stops. On PostgreSQL (DATABASE_URL) every command runs on its own.

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, TRUSTED_PROXIES, …
(see docs/configuration.md).`;

export function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      subscribers: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      prefix: { type: 'string' },
      scopes: { type: 'string' },
      msisdn: { type: 'string' },
      password: { type: 'string' },
      email: { type: 'string' },
      dir: { type: 'string' },
      minutes: { type: 'string' },
      rate: { type: 'string' },
      batch: { type: 'string' },
      now: { type: 'string' },
      region: { type: 'string' },
      from: { type: 'string' },
      count: { type: 'string' },
      status: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export type CliArgs = ReturnType<typeof parseCli>;

/** Commands a running server performs for the command line over its admin channel. */
export const ADMIN_COMMANDS = new Set(['apikey', 'password', 'staff', 'numbers', 'import-cdr', 'bill', 'verify', 'catalog', 'seed', 'backup']);

/** How a command prints: the console when run directly, the admin socket when a server runs it. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}
