import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { perform, sendBillLinkAction } from '../../../domain/actions/registry.ts';
import { downloadBill, downloadContractBill, listBills, listContractBills, type BillFile } from '../../../domain/bills/list-bills.ts';
import { sendContractBillLink } from '../../../domain/bills/send-bill-link.ts';
import type { Core } from '../../../domain/core.ts';
import { ctxOf } from '../context.ts';
import { billListSchema, billSendBodySchema, billSentSchema, contractBillListSchema } from '../schemas/bills.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const id = z.string().min(1).max(64);
const tag = { tags: ['bills'] };
const businessTag = { tags: ['business'] };

function sendPdf(reply: FastifyReply, file: BillFile): FastifyReply {
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'private, no-store')
    .send(file.content);
}

/** The page of the web app a bill's SMS links to: the public URL when configured, else the request's own origin. */
function pageUrl(req: FastifyRequest, publicUrl: string | undefined, path: string): string {
  const base = publicUrl ?? `${req.protocol}://${req.host}`;
  return new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
}

/** Monthly bills: the subscriber's own, and a business customer's contract bills. */
export async function billRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string | undefined }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/subscribers/:msisdn/bills',
    { schema: { ...tag, summary: "The monthly bills of the number's own account, newest first (a contract's number has none: its contract is billed)", params, response: { 200: billListSchema } } },
    async (req) => listBills(core, ctxOf(req), { msisdn: req.params.msisdn }),
  );
  r.get(
    '/subscribers/:msisdn/bills/:id/pdf',
    { schema: { ...tag, summary: 'A bill as the PDF made when it was issued', params: params.extend({ id }) } },
    async (req, reply) => sendPdf(reply, await downloadBill(core, ctxOf(req), { msisdn: req.params.msisdn, id: req.params.id })),
  );
  r.post(
    '/subscribers/:msisdn/bills/:id/send',
    {
      schema: {
        ...tag,
        summary: "Send a link to the bill in the subscriber's language: by SMS to the number (the default) or by e-mail to the profile's address (each through its outbox)",
        params: params.extend({ id }),
        body: billSendBodySchema,
        response: { 200: billSentSchema },
      },
    },
    async (req) =>
      perform(core, ctxOf(req), sendBillLinkAction, req.params.msisdn, {
        billId: req.params.id,
        url: pageUrl(req, opts.publicUrl, `bills?bill=${encodeURIComponent(req.params.id)}`),
        channel: req.body?.channel ?? 'sms',
      }),
  );

  const business = (req: FastifyRequest) => ctxOf(req, 'business');
  r.get(
    '/business/bills',
    { schema: { ...businessTag, summary: "The contracts' monthly bills, newest first (contract admin, accountant)", response: { 200: contractBillListSchema } } },
    async (req) => listContractBills(core, business(req)),
  );
  r.get(
    '/business/bills/:id/pdf',
    { schema: { ...businessTag, summary: "A contract's bill as the PDF made when it was issued", params: z.object({ id }) } },
    async (req, reply) => sendPdf(reply, await downloadContractBill(core, business(req), { id: req.params.id })),
  );
  r.post(
    '/business/bills/:id/send',
    {
      schema: {
        ...businessTag,
        summary: "Send the admin a link to a contract's bill: by SMS to the phone on their login (the default) or by e-mail to the login's address",
        params: z.object({ id }),
        body: billSendBodySchema,
        response: { 200: billSentSchema },
      },
    },
    async (req) =>
      sendContractBillLink(core, business(req), {
        billId: req.params.id,
        url: pageUrl(req, opts.publicUrl, `business/reports?bill=${encodeURIComponent(req.params.id)}`),
        channel: req.body?.channel ?? 'sms',
      }),
  );
}
