import { pushRingbackChanges } from '../domain/ringback/push-changes.ts';
import { raiseDailyDigests, releaseDueAlerts } from '../domain/alerts/raise-alerts.ts';
import { expirePromisedPayments } from '../domain/billing/promised-payment.ts';
import type { Core } from '../domain/core.ts';
import { runAutoPayments } from '../domain/payments/auto-payment.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { expireReservations } from '../domain/ledger/balance-ops.ts';
import { deliverHubEventsTick } from '../domain/events/deliver-hub-events.ts';
import { billsJob } from './bills.ts';
import { businessBulkJob } from './business-bulk.ts';
import { businessLimitsJob } from './business-limits.ts';
import { businessMonthlyReportJob } from './business-monthly-report.ts';
import { expirePoints } from './expire-points.ts';
import { feeRunJob } from './fee-run.ts';
import { generateReports } from './generate-reports.ts';
import { historyJob } from './history.ts';
import { runInstallments } from './installments.ts';
import { withLease } from './lease.ts';
import { drainMailOutboxTick, recordTransport, type MailTransport } from './mail-outbox.ts';
import { pushDiversions } from '../domain/voicemail/mailbox.ts';
import { purgeOldVoicemail } from '../domain/voicemail/messages.ts';
import { drainOutboxTick, type SmsTransport } from './sms-outbox.ts';

export interface Job {
  name: string;
  everyMs: number;
  run: (now: Date) => Promise<unknown>;
}

/**
 * The periodic work of one instance. Every job runs under its own lease, so with several
 * instances each runs once per tick across all of them; and each is safe to run twice anyway.
 */
export function startScheduler(core: Core, opts: { sms: SmsTransport; mail?: MailTransport; extra?: Job[] }): { stop: () => Promise<void> } {
  const mail = opts.mail ?? recordTransport(core);
  const leased = (name: string, fn: (now: Date) => Promise<unknown>) => (now: Date) => withLease(core, name, () => fn(now));
  const jobs: Job[] = [
    { name: 'sms-outbox', everyMs: 1000, run: () => drainOutboxTick(core, opts.sms) },
    { name: 'mail-outbox', everyMs: 5000, run: () => drainMailOutboxTick(core, mail) },
    { name: 'fees', everyMs: 30_000, run: (now) => feeRunJob(core, { now }) },
    { name: 'promised-expiry', everyMs: 30_000, run: leased('promised-expiry', (now) => expirePromisedPayments(core, systemCtx('promised-expiry'), { now })) },
    // Payment pages a payer abandoned lapse (the sandbox's; a real acquirer lapses its own and tells us by webhook).
    { name: 'payment-expiry', everyMs: 60_000, run: leased('payment-expiry', (now) => core.payments.expireAbandoned?.(now) ?? Promise.resolve(0)) },
    { name: 'auto-payments', everyMs: 60_000, run: leased('auto-payments', (now) => runAutoPayments(core, { now })) },
    { name: 'reports', everyMs: 2000, run: (now) => generateReports(core, { now, limit: 5 }) },
    { name: 'installments', everyMs: 60_000, run: leased('installments', (now) => runInstallments(core, { now })) },
    { name: 'reservation-expiry', everyMs: 30_000, run: leased('reservation-expiry', (now) => expireReservations(core, systemCtx('reservation-expiry'), { now })) },
    { name: 'business-bulk', everyMs: 2000, run: () => businessBulkJob(core) },
    { name: 'business-limits', everyMs: 30_000, run: (now) => businessLimitsJob(core, { now }) },
    { name: 'business-monthly-report', everyMs: 3_600_000, run: (now) => businessMonthlyReportJob(core, { now }) },
    { name: 'bills', everyMs: 300_000, run: (now) => billsJob(core, { now }) },
    // TMF hub events a listener did not take at once, retried with backoff (SKIP LOCKED claims).
    { name: 'tmf-hub-deliveries', everyMs: 5000, run: () => deliverHubEventsTick(core) },
    // Ringback changes to the ringback platform, each once (SKIP LOCKED claims, retried with backoff).
    { name: 'ringback-push', everyMs: 2000, run: () => pushRingbackChanges(core) },
    // Spending alerts that waited for the morning, and the daily digests (both safe to run twice).
    { name: 'alert-release', everyMs: 60_000, run: leased('alert-release', (now) => releaseDueAlerts(core, { now })) },
    { name: 'alert-digest', everyMs: 300_000, run: leased('alert-digest', (now) => raiseDailyDigests(core, { now })) },
    { name: 'bonus-expiry', everyMs: 3_600_000, run: leased('bonus-expiry', (now) => expirePoints(core, { now })) },
    // Month partitions of usage and the ledger made ahead; usage detail past its retention summarised and dropped.
    { name: 'history', everyMs: 3_600_000, run: leased('history', (now) => historyJob(core, { now })) },
    // Voicemail older than VOICEMAIL_RETENTION_DAYS goes (rows and audio); diversion changes the network has not taken are told again.
    { name: 'voicemail-retention', everyMs: 3_600_000, run: leased('voicemail-retention', (now) => purgeOldVoicemail(core, { now })) },
    { name: 'voicemail-diversions', everyMs: 30_000, run: () => pushDiversions(core) },
    // Work the channels bring (composed in src/server.ts), e.g. answering SMS left unanswered.
    ...(opts.extra ?? []),
  ];
  const running = new Set<Promise<unknown>>();
  const busy = new Set<string>();
  const timers = jobs.map((job) =>
    setInterval(() => {
      if (busy.has(job.name)) return; // a slow run is never overlapped by the next tick
      busy.add(job.name);
      const p = job
        .run(core.clock.now())
        .catch((err: unknown) => core.log.error({ err, job: job.name }, 'job failed'))
        .finally(() => {
          busy.delete(job.name);
          running.delete(p);
        });
      running.add(p);
    }, job.everyMs),
  );
  return {
    stop: async () => {
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running]);
    },
  };
}
