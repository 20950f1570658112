import { z } from 'zod';
import { getBalance, type BalanceView } from '../subscribers/get-balance.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

const input = z.object({});

/** Read the balance and what is left of the quotas. Always offered to whoever may see the number; free. */
export const readBalanceAction: Action<object, z.infer<typeof input>, BalanceView, Record<string, never>> = {
  id: 'balance.read',
  summary: 'Read the balance',
  input,
  async offer() {
    return { action: 'balance.read', refusal: null, shown: true, facts: null, details: {} };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => getBalance(core, ctx, { msisdn: i.msisdn }),
};
