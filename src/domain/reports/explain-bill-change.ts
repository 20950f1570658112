import { DateTime } from 'luxon';
import { formatMoney } from '../../text/format.ts';
import { listProducts, listTariffs } from '../catalog/read-catalog.ts';
import type { Localized } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { localMonth } from './period.ts';

/** The lines a bill is compared by, in the order people read them. */
export const BILL_CATEGORIES = ['fees', 'packages', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'other'] as const;
export type BillCategory = (typeof BILL_CATEGORIES)[number];

export interface BillChange {
  /** What changed: `tariff:<code>`, `product:<code>`, `usage:<category>` or `charge:<kind>`. */
  subject: string;
  category: BillCategory;
  thisMonth: number;
  lastMonth: number;
  /** thisMonth − lastMonth, kopecks. */
  change: number;
  /** The change in words, Russian and English: "+150 ₽: «Везде как дома» подключена 3 марта". */
  text: Localized;
}

export interface BillChangeView {
  msisdn: string;
  month: string;
  previousMonth: string;
  timeZone: string;
  total: { thisMonth: number; lastMonth: number; change: number };
  categories: { category: BillCategory; thisMonth: number; lastMonth: number; change: number }[];
  /** The largest changes first (at most five), each named in words. */
  changes: BillChange[];
}

interface Row {
  month: 'this' | 'last';
  kind: string;
  category: string | null;
  product_code: string | null;
  key: string;
  description: string | null;
  amount: number;
}

const USAGE_NAMES: Record<string, Localized> = {
  calls: { ru: 'звонки', en: 'calls' },
  sms: { ru: 'SMS и MMS', en: 'SMS and MMS' },
  internet: { ru: 'мобильный интернет', en: 'mobile internet' },
  roaming: { ru: 'роуминг', en: 'roaming' },
  other: { ru: 'прочее', en: 'other' },
};

const CHARGE_NAMES: Record<string, Localized> = {
  promised: { ru: 'комиссия за обещанный платёж', en: 'promised payment fees' },
  share: { ru: 'плата за подарки пакета', en: 'package gift fees' },
  switch: { ru: 'плата за смену тарифа', en: 'tariff change fees' },
  installment: { ru: 'платежи по рассрочке', en: 'installment payments' },
  other: { ru: 'разовые списания', en: 'one-off charges' },
};

const signed = (k: number, lang: 'ru' | 'en') => `${k > 0 ? '+' : k < 0 ? '−' : ''}${formatMoney(Math.abs(k), lang, { kopecks: 'auto' })}`;

/**
 * Compares the charges of a calendar month (the subscriber's local time; this month by default)
 * with the month before, from the ledger: by category (fees, packages, usage by kind, paid
 * content, roaming, one-off charges) and by what caused them (the tariff, each product, each kind
 * of usage, each kind of one-off charge); the largest changes are named in words with the date a
 * product was connected or disabled or the tariff changed when that happened in one of the months.
 */
export async function explainBillChange(core: Core, ctx: Ctx, input: { msisdn: string; month?: string }): Promise<BillChangeView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const month = localMonth(input.month, core.clock.now(), sub.timeZone);
  const previous = month.minus({ months: 1 });
  const end = month.plus({ months: 1 });
  const rows = await core.db.query<Row>(
    `SELECT CASE WHEN created_at >= $3 THEN 'this' ELSE 'last' END AS month, kind, category, product_code,
            split_part(idempotency_key, ':', 1) AS key, MIN(description) AS description, SUM(-amount)::bigint AS amount
       FROM ledger_entry
      WHERE account_id = $1 AND (subscriber_id = $2 OR subscriber_id IS NULL) AND amount < 0
        AND created_at >= $4 AND created_at < $5 AND kind IN ('fee', 'usage')
      GROUP BY 1, 2, 3, 4, 5`,
    [sub.accountId, sub.id, month.toJSDate(), previous.toJSDate(), end.toJSDate()],
  );
  const products = new Map((await listProducts(core.db, { includeRetired: true })).map((p) => [p.code, p]));
  const tariffs = new Map((await listTariffs(core.db, { includeRetired: true })).map((t) => [t.code, t]));

  const subjects = new Map<string, { category: BillCategory; this: number; last: number }>();
  const add = (subject: string, category: BillCategory, r: Row) => {
    const s = subjects.get(subject) ?? { category, this: 0, last: 0 };
    s[r.month] += Number(r.amount);
    subjects.set(subject, s);
  };
  for (const r of rows) {
    if (r.kind === 'usage') {
      const c = (['calls', 'sms', 'internet', 'roaming'] as const).find((x) => x === r.category) ?? 'other';
      add(`usage:${c}`, c, r);
    } else if (r.key === 'tariff') {
      add(`tariff:${(r.description ?? '').split(' ').pop() ?? ''}`, 'fees', r);
    } else if (r.product_code) {
      const p = products.get(r.product_code);
      const category: BillCategory = r.category === 'content' ? 'content' : p?.kind === 'package' ? 'packages' : r.category === 'one_off' && r.key !== 'conn' ? 'one_off' : 'fees';
      add(`product:${r.product_code}`, category, r);
    } else {
      const kind = r.key === 'promised-fee' ? 'promised' : r.key === 'share' ? 'share' : r.key === 'switch' ? 'switch' : r.key.startsWith('inst') ? 'installment' : 'other';
      add(`charge:${kind}`, r.category === 'roaming' ? 'roaming' : 'one_off', r);
    }
  }

  // When a product was connected or disabled, or the tariff changed, within the two months.
  const events = await core.db.query<{ product_code: string; connected_at: Date; disabled_at: Date | null }>(
    `SELECT product_code, connected_at, disabled_at FROM product_instance
      WHERE account_id = $1 AND subscriber_id = $2 AND (connected_at >= $3 OR disabled_at >= $3) ORDER BY connected_at`,
    [sub.accountId, sub.id, previous.toJSDate()],
  );
  const inMonth = (d: Date | null, m: DateTime) => d !== null && d >= m.toJSDate() && d < m.plus({ months: 1 }).toJSDate();
  const day = (d: Date, lang: 'ru' | 'en') => DateTime.fromJSDate(d, { zone: sub.timeZone }).setLocale(lang === 'ru' ? 'ru-RU' : 'en-GB').toFormat('d MMMM');

  const changes: BillChange[] = [];
  for (const [subject, s] of subjects) {
    const change = s.this - s.last;
    if (change === 0) continue;
    const [type, code] = subject.split(':') as [string, string];
    const text = (lang: 'ru' | 'en'): string => {
      const amount = signed(change, lang);
      const compare = lang === 'ru' ? `${formatMoney(s.this, lang, { kopecks: 'auto' })} против ${formatMoney(s.last, lang, { kopecks: 'auto' })}` : `${formatMoney(s.this, lang, { kopecks: 'auto' })} against ${formatMoney(s.last, lang, { kopecks: 'auto' })}`;
      if (type === 'product') {
        const name = products.get(code)?.name[lang] ?? code;
        const quoted = lang === 'ru' ? `«${name}»` : `“${name}”`;
        const connected = events.filter((e) => e.product_code === code && inMonth(e.connected_at, month)).pop();
        const disabled = events.filter((e) => e.product_code === code && e.disabled_at && (inMonth(e.disabled_at, month) || inMonth(e.disabled_at, previous))).pop();
        if (change > 0 && connected) return lang === 'ru' ? `${amount}: ${quoted} подключена ${day(connected.connected_at, lang)}` : `${amount}: ${quoted} connected on ${day(connected.connected_at, lang)}`;
        if (change < 0 && disabled) return lang === 'ru' ? `${amount}: ${quoted} отключена ${day(disabled.disabled_at!, lang)}` : `${amount}: ${quoted} disabled on ${day(disabled.disabled_at!, lang)}`;
        return `${amount}: ${quoted} (${compare})`;
      }
      if (type === 'tariff') {
        const name = tariffs.get(code)?.name[lang] ?? code;
        const quoted = lang === 'ru' ? `тариф «${name}»` : `the “${name}” tariff`;
        if (change > 0 && sub.tariffCode === code && inMonth(sub.tariffSince, month)) return lang === 'ru' ? `${amount}: ${quoted} с ${day(sub.tariffSince, lang)}` : `${amount}: ${quoted} since ${day(sub.tariffSince, lang)}`;
        return `${amount}: ${quoted} (${compare})`;
      }
      const name = (type === 'usage' ? USAGE_NAMES[code] : CHARGE_NAMES[code])?.[lang] ?? code;
      return `${amount}: ${name} (${compare})`;
    };
    changes.push({ subject, category: s.category, thisMonth: s.this, lastMonth: s.last, change, text: { ru: text('ru'), en: text('en') } });
  }
  changes.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.subject.localeCompare(b.subject));

  const categories = BILL_CATEGORIES.map((category) => {
    const list = [...subjects.values()].filter((s) => s.category === category);
    const thisMonth = list.reduce((a, s) => a + s.this, 0);
    const lastMonth = list.reduce((a, s) => a + s.last, 0);
    return { category, thisMonth, lastMonth, change: thisMonth - lastMonth };
  });
  const thisMonth = categories.reduce((a, c) => a + c.thisMonth, 0);
  const lastMonth = categories.reduce((a, c) => a + c.lastMonth, 0);
  return {
    msisdn: sub.msisdn,
    month: month.toFormat('yyyy-MM'),
    previousMonth: previous.toFormat('yyyy-MM'),
    timeZone: sub.timeZone,
    total: { thisMonth, lastMonth, change: thisMonth - lastMonth },
    categories,
    changes: changes.slice(0, 5),
  };
}
