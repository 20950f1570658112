import { z } from 'zod';

/** The catalog's shape, as operators write it in catalog/*.json and as the store keeps it. */
const code = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'lower-case latin letters, digits and _, 2–40 long');
const kopecks = z.number().int('whole kopecks').min(0);
/** Per-unit rates may be fractional kopecks; charges are rounded once when booked. */
const rate = z.number().min(0).max(1_000_000);

export const localized = z.object({ ru: z.string().min(1).max(500), en: z.string().min(1).max(500) });
export type Localized = z.infer<typeof localized>;

export const regionSchema = z.object({
  code: z.string().regex(/^\d{2}$/),
  iso: z.string().regex(/^RU-[A-Z]{2,3}$/),
  nameRu: z.string().min(1),
  nameEn: z.string().min(1),
  centerRu: z.string().min(1),
  centerEn: z.string().min(1),
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown IANA time zone'),
});
export type Region = z.infer<typeof regionSchema>;

export const allowance = z
  .object({
    minutes: z.number().int().min(0).optional(),
    sms: z.number().int().min(0).optional(),
    dataMb: z.number().int().min(0).optional(),
  })
  .strict();
export type Allowance = z.infer<typeof allowance>;

export const rates = z
  .object({
    /** Kopecks per minute (or per second's share of it, when billed per second). */
    homeMinute: rate,
    intercityMinute: rate,
    roamingMinute: rate,
    sms: rate,
    mms: rate,
    /** Kopecks per megabyte beyond the allowance. */
    dataMb: rate,
  })
  .strict();
export type Rates = z.infer<typeof rates>;

export const tariffSchema = z
  .object({
    code,
    name: localized,
    description: localized,
    segment: z.enum(['person', 'business', 'any']).default('any'),
    fee: z.object({ model: z.enum(['monthly', 'daily']), amount: kopecks }).strict(),
    /** What the fee buys each period (a month for monthly plans, a local day for daily ones). */
    included: allowance.default({}),
    rates,
    callRounding: z.enum(['minute', 'second']).default('minute'),
    dataRoundingKb: z.union([z.literal(1), z.literal(100)]).default(100),
    /** Fee for moving onto this plan; waived when the last change was long enough ago. */
    switchFee: kopecks.default(0),
    freeSwitchAfterDays: z.number().int().min(0).max(3650).optional(),
    /** Below this balance (kopecks, may be negative) outgoing services are blocked. */
    blockThreshold: z.number().int().default(0),
    premium: z.boolean().default(false),
    /** Place in the support queue of tickets from subscribers on this plan. */
    supportPriority: z.enum(['normal', 'high']).default('normal'),
    connectable: z.boolean().default(true),
    ussdCode: z.string().regex(/^\*[\d*]+#$/).optional(),
  })
  .strict();
export type Tariff = z.infer<typeof tariffSchema>;

export const productSchema = z
  .object({
    code,
    kind: z.enum(['option', 'subscription', 'service', 'package']),
    name: localized,
    description: localized,
    fee: z
      .object({ model: z.enum(['none', 'monthly', 'daily', 'per_use']), amount: kopecks })
      .strict()
      .refine((f) => (f.model === 'none') === (f.amount === 0), 'model "none" has amount 0, any other model more'),
    connectionFee: kopecks.default(0),
    /** Content subscriptions (weather, dating, news…) fall under the "no paid content" ban. */
    content: z.boolean().default(false),
    includes: allowance.optional(),
    /** Rates this product replaces while connected (kopecks per unit, like the tariff's). */
    rateOverrides: rates.partial().optional(),
    /** "Everywhere at home": intercity calls are priced as home calls of the subscriber's tariff. */
    intercityAsHome: z.boolean().default(false),
    incompatibleWith: z.array(code).default([]),
    requires: z.array(code).default([]),
    /** Tariffs it may be connected on; empty means all. */
    tariffs: z.array(code).default([]),
    segment: z.enum(['person', 'business', 'any']).default('any'),
    /** Connected for every new subscriber. */
    default: z.boolean().default(false),
    disableable: z.boolean().default(true),
    connectable: z.boolean().default(true),
    ussdCode: z.string().regex(/^\*[\d*]+#$/, 'a USSD code like *111*56#').optional(),
    smsKeyword: z.string().regex(/^[A-Z0-9]{2,20}$/, 'upper-case latin letters and digits').optional(),
    /**
     * A roaming package: what it includes is drawn only by roaming usage in this zone of
     * `settings.roaming` (before the zone's prices), and lasts `validDays` from connection.
     */
    roaming: z.object({ zone: code, validDays: z.number().int().min(1).max(90) }).strict().optional(),
  })
  .strict();
export type Product = z.infer<typeof productSchema>;

export const rewardSchema = z
  .object({
    code,
    name: localized,
    /** Points it costs. */
    cost: z.number().int().min(1),
    /** A package added to the quotas for `validDays`… */
    grants: allowance.optional(),
    /** …or kopecks credited to the balance. */
    credit: z.number().int().min(1).optional(),
    validDays: z.number().int().min(1).max(366).default(30),
  })
  .strict()
  .refine((r) => (r.grants === undefined) !== (r.credit === undefined), 'a reward has either "grants" or "credit"')
  .refine((r) => r.grants === undefined || Object.values(r.grants).some((v) => (v ?? 0) > 0), '"grants" must grant something');
export type Reward = z.infer<typeof rewardSchema>;

const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case');

/**
 * A roaming zone: the countries in it (`"*"`: every country no other zone names) and what a
 * minute, an SMS, an MMS and a megabyte cost there (kopecks, fractions allowed).
 */
export const roamingZoneSchema = z
  .object({
    code,
    name: localized,
    countries: z.union([z.array(country).min(1), z.literal('*')]),
    rates: z.object({ minute: rate, sms: rate, mms: rate, dataMb: rate }).strict(),
  })
  .strict();
export type RoamingZone = z.infer<typeof roamingZoneSchema>;

export const roamingSchema = z
  .object({ zones: z.array(roamingZoneSchema).min(1) })
  .strict()
  .refine((r) => new Set(r.zones.map((z) => z.code)).size === r.zones.length, 'zone codes must be unique')
  .refine((r) => r.zones.filter((z) => z.countries === '*').length <= 1, 'at most one zone has "*"')
  .refine((r) => {
    const named = r.zones.flatMap((z) => (z.countries === '*' ? [] : z.countries));
    return new Set(named).size === named.length && !named.includes('RU');
  }, 'a country is in one zone at most, and RU (home) in none');
export type RoamingSettings = z.infer<typeof roamingSchema>;

/** How much of one kind a transfer may give (whole GB for data, whole minutes for minutes) and its fee. */
const shareKind = z.object({ min: z.number().int().min(1), max: z.number().int().min(1), fee: kopecks }).strict().refine((k) => k.min <= k.max, 'min is at most max');

export const sharingSchema = z
  .object({
    /** Days a gift lasts on the recipient's number; what is left then is returned to nobody. */
    validDays: z.number().int().min(1).max(90),
    data: shareKind.optional(),
    minutes: shareKind.optional(),
    /** Transfers a number may make per local day and per calendar month (abuse limits). */
    perDay: z.number().int().min(1),
    perMonth: z.number().int().min(1),
    /** Tariffs whose numbers may give; empty means all. */
    tariffs: z.array(code).default([]),
    /** Days a number must have been active before it may give. */
    minTenureDays: z.number().int().min(0).default(0),
  })
  .strict();
export type SharingSettings = z.infer<typeof sharingSchema>;

export const settingsSchema = z
  .object({
    promisedPayment: z
      .object({
        termDays: z.number().int().min(1).max(30),
        /** Amounts offered by average monthly spend: the highest tier whose minSpend is met. */
        tiers: z.array(z.object({ minMonthlySpend: kopecks, maxAmount: kopecks }).strict()).min(1),
        fees: z.array(z.object({ upTo: kopecks, fee: kopecks }).strict()).min(1),
      })
      .strict(),
    bonus: z
      .object({
        pointsPerRuble: z.number().min(0).max(100),
        expiryMonths: z.number().int().min(1).max(60),
        /** What points can be exchanged for: a package of minutes/SMS/data, or a credit to the balance. */
        rewards: z
          .array(rewardSchema)
          .default([])
          .refine((list) => new Set(list.map((r) => r.code)).size === list.length, 'reward codes must be unique'),
      })
      .strict(),
    trust: z
      .object({
        minTenureDays: z.number().int().min(0),
        shareOfMonthlySpend: z.number().min(0).max(10),
        max: kopecks,
      })
      .strict(),
    /** The operator's details printed on every bill. */
    operator: z
      .object({
        name: localized,
        address: localized,
        inn: z.string().regex(/^\d{10}$/),
        kpp: z.string().regex(/^\d{9}$/).optional(),
        ogrn: z.string().regex(/^\d{13}$/).optional(),
        phone: z.string().min(1).max(40).optional(),
        web: z.string().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
    /** Sharing minutes and gigabytes with another number of the operator; absent: not offered. */
    sharing: sharingSchema.optional(),
    /** "Continue for N ₽": what lifting the data hard cap for the rest of the calendar month costs, kopecks; absent: not offered. */
    dataCapLift: z.object({ fee: kopecks }).strict().optional(),
    /**
     * The friend locator's price: each successful request costs `requestPrice` kopecks, unless the
     * number has one of the products `includedIn` connected — for any number (`any`) or only for its
     * child numbers (`children`). Absent: locating is free.
     */
    locator: z
      .object({
        requestPrice: kopecks,
        includedIn: z.array(z.object({ product: code, targets: z.enum(['any', 'children']) }).strict()).default([]),
      })
      .strict()
      .optional(),
    /** Roaming prices by zone of countries; absent: every country at the tariff's roaming prices. */
    roaming: roamingSchema.optional(),
  })
  .strict();
export type CatalogSettings = z.infer<typeof settingsSchema>;

/** A note of a tune: a pitch as sox names it (C4, F#5, Bb3) or R for a rest, and its length in beats. */
const TUNE_NOTE = /^(?:[A-G][#b]?[1-7]|R):(?:\d+(?:\.\d+)?)$/;

/**
 * A ringback melody on sale ("Гудок"): its title, artist and genre in both languages, its price per
 * local day or per month (charged by the fee run while it is in the number's library), and the tune
 * its preview is synthesised from at build time (`scripts/ringback-tones.mjs`, with sox).
 */
export const melodySchema = z
  .object({
    code,
    title: localized,
    artist: localized,
    genre: localized,
    price: z.object({ model: z.enum(['daily', 'monthly']), amount: kopecks.min(1) }).strict(),
    tune: z
      .object({
        /** Beats per minute. */
        tempo: z.number().int().min(40).max(300),
        /** Space-separated notes, `E4:1 D#4:0.5 R:1` (pitch:beats); a preview lasts 3–15 seconds. */
        notes: z.string().refine((s) => s.trim().split(/\s+/).every((n) => TUNE_NOTE.test(n)), 'notes like "E4:1 D#4:0.5 R:1"'),
      })
      .strict(),
  })
  .strict();
export type Melody = z.infer<typeof melodySchema>;

export const catalogSchema = z
  .object({
    currency: z.literal('RUB'),
    tariffs: z.array(tariffSchema).min(1),
    products: z.array(productSchema),
    /** Ringback melodies on sale; the service itself is the product "ringback". */
    melodies: z.array(melodySchema).default([]),
    settings: settingsSchema,
  })
  .strict()
  .refine(
    (c) => c.products.every((p) => !p.roaming || (c.settings.roaming?.zones ?? []).some((z) => z.code === p.roaming!.zone)),
    'a roaming package names a zone of settings.roaming',
  );
export type Catalog = z.infer<typeof catalogSchema>;
