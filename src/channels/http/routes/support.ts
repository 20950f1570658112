import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import { addTicketMessage } from '../../../domain/support/add-message.ts';
import { createTicket } from '../../../domain/support/create-ticket.ts';
import { getTicket } from '../../../domain/support/get-ticket.ts';
import { IDEA_TEXT_MAX, IDEA_TITLE_MAX } from '../../../domain/support/idea-view.ts';
import { listIdeas } from '../../../domain/support/list-ideas.ts';
import { listTickets } from '../../../domain/support/list-tickets.ts';
import { submitIdea } from '../../../domain/support/submit-idea.ts';
import { MESSAGE_MAX, SUBJECT_MAX } from '../../../domain/support/ticket-view.ts';
import { unvoteIdea } from '../../../domain/support/unvote-idea.ts';
import { voteIdea } from '../../../domain/support/vote-idea.ts';
import { nextCursor, pageQuery } from '../paging.ts';
import { ctxOf } from '../context.ts';
import { wholeNumber } from '../../../domain/shared/strict-input.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const id = z.string().min(1).max(20);
const ticketParams = params.extend({ id });
const supportTag = { tags: ['support'] };
const ideaTag = { tags: ['ideas'] };

const message = z.object({ id: z.string(), author: z.enum(['subscriber', 'staff']), text: z.string(), createdAt: z.string() });
export const ticketSchema = z.object({
  id: z.string(),
  kind: z.enum(['question', 'complaint', 'thanks', 'wish']),
  subject: z.string(),
  status: z.enum(['open', 'answered', 'closed']),
  priority: z.enum(['normal', 'high']),
  createdAt: z.string(),
  updatedAt: z.string(),
  messages: z.array(message),
});
export const ideaSchema = z.object({
  id: z.string(),
  title: z.string(),
  text: z.string(),
  votes: z.number().int(),
  votedByMe: z.boolean(),
  createdAt: z.string(),
  status: z.enum(['new', 'planned', 'done', 'declined']),
});

/** Support tickets of a number (the feedback form) and the idea board. */
export async function supportRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn/tickets';

  r.post(
    base,
    {
      schema: {
        ...supportTag,
        summary: 'Write to support: a question, complaint, thanks or wish (send Idempotency-Key to make repeats safe)',
        params,
        body: z.object({
          kind: z.enum(['question', 'complaint', 'thanks', 'wish']),
          subject: z.string().min(1).max(SUBJECT_MAX),
          text: z.string().min(1).max(MESSAGE_MAX),
        }),
        response: { 201: ticketSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await createTicket(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.body })),
  );
  r.get(
    base,
    {
      schema: {
        ...supportTag,
        summary: 'Tickets of the number with replies, newest first, a page at a time (cursor)',
        params,
        querystring: z.object(pageQuery),
        response: { 200: z.object({ items: z.array(ticketSchema), nextCursor }) },
      },
    },
    async (req) => listTickets(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.query }),
  );
  r.get(`${base}/:id`, { schema: { ...supportTag, summary: 'One ticket with its conversation', params: ticketParams, response: { 200: ticketSchema } } }, async (req) =>
    getTicket(core, ctxOf(req), req.params),
  );
  r.post(
    `${base}/:id/messages`,
    {
      schema: {
        ...supportTag,
        summary: 'Write more in a ticket (reopens it)',
        params: ticketParams,
        body: z.object({ text: z.string().min(1).max(MESSAGE_MAX) }),
        response: { 201: ticketSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await addTicketMessage(core, ctxOf(req), { ...req.params, text: req.body.text })),
  );

  r.get(
    '/ideas',
    {
      schema: {
        ...ideaTag,
        summary: 'The idea board: most voted (top) or newest (new) first',
        querystring: z.object({ sort: z.enum(['top', 'new']).default('top'), limit: wholeNumber({ min: 1, max: 200 }).optional() }),
        response: { 200: z.object({ items: z.array(ideaSchema) }) },
      },
    },
    async (req) => listIdeas(core, ctxOf(req), req.query),
  );
  r.post(
    '/ideas',
    {
      schema: {
        ...ideaTag,
        summary: 'Propose an idea (subscribers)',
        body: z.object({ title: z.string().min(1).max(IDEA_TITLE_MAX), text: z.string().min(1).max(IDEA_TEXT_MAX) }),
        response: { 201: ideaSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await submitIdea(core, ctxOf(req), req.body)),
  );
  r.post('/ideas/:id/vote', { schema: { ...ideaTag, summary: 'Vote for an idea (once; repeats change nothing)', params: z.object({ id }), response: { 200: ideaSchema } } }, async (req) =>
    voteIdea(core, ctxOf(req), req.params),
  );
  r.delete('/ideas/:id/vote', { schema: { ...ideaTag, summary: 'Take the vote back', params: z.object({ id }), response: { 200: ideaSchema } } }, async (req) =>
    unvoteIdea(core, ctxOf(req), req.params),
  );
}
