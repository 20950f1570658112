import type { Core } from '../../domain/core.ts';
import { getBalance } from '../../domain/subscribers/get-balance.ts';
import { listConnectedProducts } from '../../domain/services/list-connected-products.ts';
import { listProducts } from '../../domain/catalog/read-catalog.ts';
import { connectProduct } from '../../domain/services/connect-product.ts';
import { connectionCharges } from '../../domain/services/eligibility.ts';
import { disableProduct } from '../../domain/services/disable-product.ts';
import { confirmOfferedConnection, offerConnection } from '../../domain/services/offer-connection.ts';
import { stopPaidContent } from '../../domain/services/stop-paid-content.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { DomainError, isDomainError } from '../../domain/shared/errors.ts';
import { formatMoney } from '../../domain/shared/money.ts';
import { errorMessage } from '../../domain/shared/error-messages.ts';
import { sameWord } from './normalize.ts';

/** How long a "reply YES" offer stays open. */
export const CONFIRM_WINDOW_MS = 10 * 60_000;

interface Command {
  /** Russian word first, then English; any of them (or their look-alikes) calls the command. */
  words: string[];
  run: (core: Core, ctx: Ctx, args: string[], lang: Lang) => Promise<string>;
}

const t = (lang: Lang, ru: string, en: string) => (lang === 'ru' ? ru : en);

async function servicesText(core: Core, ctx: Ctx, lang: Lang, paidOnly: boolean): Promise<string> {
  const list = await listConnectedProducts(core, ctx, { msisdn: 'me' });
  const lines = list.paid.map((p) => `${p.name[lang]} — ${formatMoney(p.monthlyCost, lang)}${t(lang, '/мес', '/mo')}${p.smsKeyword ? ` (${t(lang, 'СТОП', 'STOP')} ${p.smsKeyword})` : ''}`);
  if (!paidOnly) lines.push(...list.free.map((p) => `${p.name[lang]} — ${t(lang, 'бесплатно', 'free')}`));
  if (lines.length === 0) return t(lang, 'Платных услуг нет.', 'No paid services.');
  const head = paidOnly
    ? t(lang, `Платные услуги (${formatMoney(list.monthlyTotal, lang)}/мес):`, `Paid services (${formatMoney(list.monthlyTotal, lang)}/mo):`)
    : t(lang, `Подключено (платные ${formatMoney(list.monthlyTotal, lang)}/мес):`, `Connected (paid ${formatMoney(list.monthlyTotal, lang)}/mo):`);
  return [head, ...lines].join('\n');
}

export function helpText(lang: Lang): string {
  return t(
    lang,
    'Команды на 8111: 0 — подключённые услуги; ПЛАТНЫЕ — только платные; СТОП <код> — отключить; СТОП ВСЕ — отключить платные подписки; БАЛАНС; <код услуги> — подключить; ПОМОЩЬ.',
    'Commands to 8111: 0 — connected services; PAID — paid only; STOP <code> — disable; STOP ALL — stop paid subscriptions; BALANCE; <service code> — connect; HELP.',
  );
}

async function findProductByWord(core: Core, word: string) {
  const products = await listProducts(core.db);
  return products.find((p) => (p.smsKeyword && sameWord(word, p.smsKeyword)) || sameWord(word, p.code.toUpperCase()));
}

export const COMMANDS: Command[] = [
  { words: ['0'], run: (core, ctx, _a, lang) => servicesText(core, ctx, lang, false) },
  { words: ['ПЛАТНЫЕ', 'PAID'], run: (core, ctx, _a, lang) => servicesText(core, ctx, lang, true) },
  {
    words: ['БАЛАНС', 'BALANCE'],
    run: async (core, ctx, _a, lang) => {
      const b = await getBalance(core, ctx, { msisdn: 'me' });
      const min = Math.floor(b.remaining.seconds.remaining / 60);
      const gb = (b.remaining.bytes.remaining / 1024 ** 3).toFixed(1).replace('.', lang === 'ru' ? ',' : '.');
      return t(lang, `Баланс ${formatMoney(b.balance, lang)}. Осталось: ${min} мин, ${b.remaining.sms.remaining} SMS, ${gb} ГБ.`, `Balance ${formatMoney(b.balance, lang)}. Left: ${min} min, ${b.remaining.sms.remaining} SMS, ${gb} GB.`);
    },
  },
  { words: ['ПОМОЩЬ', 'HELP', '?'], run: async (_c, _x, _a, lang) => helpText(lang) },
  {
    words: ['СТОП', 'STOP'],
    run: async (core, ctx, args, lang) => {
      const what = args[0];
      if (!what) return t(lang, 'Укажите код услуги: СТОП <код>. Коды — в ответе на 0.', 'Name the service: STOP <code>. Codes are in the reply to 0.');
      if (sameWord(what, 'ВСЕ') || sameWord(what, 'ALL')) {
        const res = await stopPaidContent(core, ctx, { msisdn: 'me' });
        return res.stopped.length
          ? t(lang, `Отключены платные подписки: ${res.stopped.length}.`, `Paid subscriptions stopped: ${res.stopped.length}.`)
          : t(lang, 'Платных подписок нет.', 'No paid subscriptions.');
      }
      const product = await findProductByWord(core, what);
      if (!product) throw new DomainError('PRODUCT_NOT_FOUND', { product: what.slice(0, 20) });
      await disableProduct(core, ctx, { msisdn: 'me', productCode: product.code });
      return t(lang, `Услуга «${product.name.ru}» отключена.`, `"${product.name.en}" is off.`);
    },
  },
  {
    words: ['ДА', 'YES'],
    run: async (core, ctx, _a, lang) => {
      const res = await confirmOfferedConnection(core, ctx, { msisdn: 'me' });
      if (!res) return t(lang, 'Нет запроса, ожидающего подтверждения.', 'Nothing is waiting for your confirmation.');
      return t(lang, `Подключено. Списано ${formatMoney(res.charged, lang)}, баланс ${formatMoney(res.balance, lang)}.`, `Connected. Charged ${formatMoney(res.charged, lang)}, balance ${formatMoney(res.balance, lang)}.`);
    },
  },
];

/**
 * Runs one MO text for the subscriber in `ctx` and returns the reply. A product's keyword offers
 * to connect it (paid ones wait for YES); anything unknown gets the help text, never silence.
 */
export async function runSmsCommand(core: Core, ctx: Ctx, lang: Lang, tokens: string[]): Promise<string> {
  const [head, ...args] = tokens;
  if (!head) return helpText(lang);
  try {
    const cmd = COMMANDS.find((c) => c.words.some((w) => sameWord(head, w)));
    if (cmd) return await cmd.run(core, ctx, args, lang);
    const product = await findProductByWord(core, head);
    if (!product) return `${t(lang, 'Команда не распознана.', 'Unknown command.')} ${helpText(lang)}`;
    const price = connectionCharges(product).total;
    if (price === 0) {
      await connectProduct(core, ctx, { msisdn: 'me', productCode: product.code });
      return t(lang, `Услуга «${product.name.ru}» подключена бесплатно.`, `"${product.name.en}" is on, free of charge.`);
    }
    await offerConnection(core, ctx, { msisdn: 'me', productCode: product.code, windowMs: CONFIRM_WINDOW_MS });
    return t(
      lang,
      `«${product.name.ru}»: ${formatMoney(price, lang)} сейчас${product.fee.model === 'daily' ? ', далее в день' : product.fee.model === 'monthly' ? ', далее в месяц' : ''} ${formatMoney(product.fee.amount, lang)}. Чтобы подключить, ответьте ДА в течение 10 минут.`,
      `"${product.name.en}": ${formatMoney(price, lang)} now${product.fee.model === 'daily' ? ', then a day' : product.fee.model === 'monthly' ? ', then a month' : ''} ${formatMoney(product.fee.amount, lang)}. Reply YES within 10 minutes to connect.`,
    );
  } catch (e) {
    if (isDomainError(e)) return errorMessage(e.code, e.params, lang);
    throw e;
  }
}
