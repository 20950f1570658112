import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { SandboxProvider, SANDBOX_CARDS } from '../../../adapters/payments/sandbox.ts';
import type { Core } from '../../../domain/core.ts';
import { receiveWebhook } from '../../../domain/payments/settle-payment.ts';
import { formatMoney } from '../../../domain/shared/money.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The provider's side: its webhook into Abonent (raw body, signature checked), and — for the
 * built-in sandbox — the confirmation page a payer is sent to.
 */
export async function paymentProviderRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  app.removeContentTypeParser('application/json');
  // The signature covers the exact bytes sent, so the body is kept as text.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
  await app.register(formbody);

  app.post('/api/v1/payments/webhook/:provider', { schema: { hide: true } }, async (req) => {
    const res = await receiveWebhook(core, typeof req.body === 'string' ? req.body : '', req.headers);
    return { received: true, ...res };
  });

  const sandbox = core.payments instanceof SandboxProvider ? core.payments : null;
  if (!sandbox) return;

  app.get<{ Params: { ref: string } }>('/sandbox/pay/:ref', { schema: { hide: true } }, async (req, reply) => {
    const p = /^sbx_[0-9a-f-]{36}$/.test(req.params.ref) ? await sandbox.describe(req.params.ref) : undefined;
    reply.type('text/html; charset=utf-8');
    if (!p) return reply.status(404).send('<!doctype html><meta charset="utf-8"><title>Sandbox</title><p>Платёж не найден / Payment not found</p>');
    const done = p.status !== 'pending';
    return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox payment</title><style>body{font:16px system-ui;margin:0;padding:16px;max-width:420px}input,button{font:inherit;min-height:48px;width:100%;box-sizing:border-box;margin:6px 0}button{cursor:pointer}</style></head>
<body><h1>Песочница оплаты / Payment sandbox</h1><p>${esc(p.description)}: <strong>${esc(formatMoney(p.amount, 'ru'))}</strong></p>
${
  done
    ? `<p>Статус / Status: ${esc(p.status)}</p>`
    : `<form method="post"><label>Номер карты / Card number<input name="card" inputmode="numeric" autocomplete="cc-number" value="${SANDBOX_CARDS.success}"></label>
<label>Срок / Expiry<input name="expiry" value="12/30" autocomplete="cc-exp"></label>
<button name="action" value="pay">Оплатить / Pay</button><button name="action" value="cancel">Отмена / Cancel</button></form>
<p>Test cards: ${SANDBOX_CARDS.success} — success, ${SANDBOX_CARDS.declined} — declined, ${SANDBOX_CARDS.insufficientFunds} — insufficient funds.</p>`
}</body></html>`;
  });

  app.post<{ Params: { ref: string }; Body: { action?: string; card?: string; expiry?: string } }>('/sandbox/pay/:ref', { schema: { hide: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as { action?: string; card?: string; expiry?: string };
    const res = await sandbox.complete(req.params.ref, {
      action: body.action === 'cancel' ? 'cancel' : 'pay',
      ...(body.card ? { card: String(body.card).slice(0, 30) } : {}),
      ...(body.expiry ? { expiry: String(body.expiry).slice(0, 5) } : {}),
    });
    if (!res) return reply.status(409).type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><p>Платёж уже завершён / Payment already completed</p>');
    const outcome = res.event.type === 'payment.succeeded' ? 'succeeded' : res.event.type === 'payment.failed' ? 'failed' : 'cancelled';
    if (res.returnUrl) {
      const url = new URL(res.returnUrl, 'http://placeholder.invalid');
      url.searchParams.set('payment', outcome);
      return reply.redirect(res.returnUrl.startsWith('/') ? `${url.pathname}${url.search}` : url.toString(), 303);
    }
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8"><p>Результат / Result: ${outcome}</p>`);
  });
}
