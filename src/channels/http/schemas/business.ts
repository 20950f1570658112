import { z } from 'zod';

// Response schemas of the business portal API: the OpenAPI document states them, the web app's
// types are generated from it (web/src/api-types.ts), and the serializer checks every answer.

const orderStatus = z.enum(['created', 'approved', 'in_progress', 'done', 'rejected']);

export const orderSchema = z.object({
  id: z.string(),
  kind: z.enum(['sim_replacement', 'number_change']),
  status: orderStatus,
  msisdn: z.string(),
  employeeName: z.string().nullable(),
  simType: z.enum(['physical', 'esim']).nullable(),
  newIccid: z.string().nullable(),
  activationCode: z.string().nullable().describe('eSIM only: the LPA activation code (also served as a QR image)'),
  oldMsisdn: z.string(),
  newMsisdn: z.string().nullable(),
  createdBy: z.number().int(),
  approvedBy: z.number().int().nullable(),
  rejectReason: z.string().nullable(),
  requiresApproval: z.boolean(),
  history: z.array(z.object({ at: z.string(), status: orderStatus, by: z.string(), note: z.string().optional() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
