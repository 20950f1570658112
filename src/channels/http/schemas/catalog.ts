import { z } from 'zod';

// Response schemas of the public catalog (tariffs, products, regions) and of the catalog entries
// other answers embed. They state what the store keeps (src/domain/catalog/schema.ts validates
// what operators write); the web app's types are generated from them.

const kopecks = (what = 'Kopecks') => z.number().int().describe(what);
const rate = z.number();

export const localized = z.object({ ru: z.string(), en: z.string() });
export const allowance = z.object({ minutes: z.number().int().optional(), sms: z.number().int().optional(), dataMb: z.number().int().optional() });
export const segment = z.enum(['person', 'business', 'any']);
export const productKind = z.enum(['option', 'subscription', 'service', 'package']);
export const productFee = z.object({ model: z.enum(['none', 'monthly', 'daily', 'per_use']), amount: kopecks() });
const rates = z.object({ homeMinute: rate, intercityMinute: rate, roamingMinute: rate, sms: rate, mms: rate, dataMb: rate });

export const tariffSchema = z.object({
  code: z.string(),
  name: localized,
  description: localized,
  segment,
  fee: z.object({ model: z.enum(['monthly', 'daily']), amount: kopecks() }),
  included: allowance.describe('What the fee buys each period'),
  rates: rates.describe('Kopecks per unit (may be fractional)'),
  callRounding: z.enum(['minute', 'second']),
  dataRoundingKb: z.union([z.literal(1), z.literal(100)]),
  switchFee: kopecks('Fee for moving onto this plan, before any waiver'),
  freeSwitchAfterDays: z.number().int().optional(),
  blockThreshold: kopecks('Below this balance outgoing services are blocked'),
  premium: z.boolean(),
  supportPriority: z.enum(['normal', 'high']),
  connectable: z.boolean(),
  ussdCode: z.string().optional(),
});

export const productSchema = z.object({
  code: z.string(),
  kind: productKind,
  name: localized,
  description: localized,
  fee: productFee,
  connectionFee: kopecks(),
  content: z.boolean(),
  includes: allowance.optional(),
  rateOverrides: rates.partial().optional(),
  intercityAsHome: z.boolean(),
  incompatibleWith: z.array(z.string()),
  requires: z.array(z.string()),
  tariffs: z.array(z.string()).describe('Tariffs it may be connected on; empty means all'),
  segment,
  default: z.boolean(),
  disableable: z.boolean(),
  connectable: z.boolean(),
  ussdCode: z.string().optional(),
  smsKeyword: z.string().optional(),
  roaming: z
    .object({ zone: z.string(), validDays: z.number().int() })
    .optional()
    .describe('A roaming package: drawn only by roaming usage in this zone of the catalog, for validDays from connection'),
});

export const regionSchema = z.object({
  code: z.string(),
  iso: z.string(),
  nameRu: z.string(),
  nameEn: z.string(),
  centerRu: z.string(),
  centerEn: z.string(),
  timeZone: z.string(),
});
