import { buyMelodyAction, perform, removeToneAction, requireOffered, setToneAction } from '../../domain/actions/registry.ts';
import type { Core } from '../../domain/core.ts';
import { melodyFacts } from '../../domain/ringback/melodies.ts';
import { ringbackOverview } from '../../domain/ringback/overview.ts';
import { offerMelodyBySms } from '../../domain/ringback/sms-offer.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { formatCount } from '../../text/format.ts';
import { stateChargedToday, statePrice } from '../../text/price.ts';
import { sameWord } from './normalize.ts';

const t = (lang: Lang, ru: string, en: string) => (lang === 'ru' ? ru : en);
const quoted = (s: string, lang: Lang) => (lang === 'ru' ? `«${s}»` : `"${s}"`);

/**
 * ГУДОК / RINGBACK: the melodies on sale, numbered (the same numbers as USSD); ГУДОК <n>: that
 * melody for every caller — bought first when it is not in the library, after the reply word
 * the registry asks for; ГУДОК СТОП: no melody for anyone (ordinary ringing). With the service
 * off, the answer is the service's own offer (`connect`); held by the company's spending limit, who
 * can release it.
 */
export async function ringbackCommand(core: Core, ctx: Ctx, args: string[], lang: Lang, connect: () => Promise<string>): Promise<string> {
  const o = await ringbackOverview(core, ctx, { msisdn: 'me' });
  const [what] = args;
  if (o.service === 'off' && (what === undefined || /^\d{1,3}$/.test(what))) return connect();
  if (o.service === 'held' && (what === undefined || /^\d{1,3}$/.test(what)))
    return t(
      lang,
      'Услуга «Гудок» приостановлена компанией: достигнут лимит расходов на номер. Вернуть её может администратор договора.',
      "The ringback service is suspended by your company: the number's spending limit is reached. Your contract's administrator can bring it back.",
    );
  if (what === undefined) {
    const owned = new Set(o.library.filter((l) => l.status === 'active').map((l) => l.melody.code));
    const lines = o.catalog.map((m, i) => {
      const mark = m.code === o.nowForEveryone ? t(lang, ' — играет', ' — playing') : owned.has(m.code) ? t(lang, ' — куплена', ' — bought') : '';
      return `${i + 1}. ${quoted(m.title[lang], lang)}, ${m.artist[lang]}: ${statePrice(melodyFacts(m), lang, 'text')}${mark}`;
    });
    return [t(lang, 'Мелодии вместо гудка:', 'Ringback melodies:'), ...lines, t(lang, 'Поставить: ГУДОК <номер>. Выключить: ГУДОК СТОП.', 'To set: RINGBACK <number>. To stop: RINGBACK STOP.')].join('\n');
  }
  if (sameWord(what, 'СТОП') || sameWord(what, 'STOP')) {
    await perform(core, ctx, removeToneAction, 'me', { all: true });
    return t(lang, 'Мелодии выключены: звонящие слышат обычные гудки. Фонотека сохранена.', 'Melodies are off: callers hear ordinary ringing. Your library is kept.');
  }
  const n = /^\d{1,3}$/.test(what) ? Number(what) : NaN;
  const melody = o.catalog[n - 1];
  if (!melody) return t(lang, `Нет мелодии с номером ${what.slice(0, 10)}. Список: ГУДОК.`, `No melody number ${what.slice(0, 10)}. The list: RINGBACK.`);
  const title = quoted(melody.title[lang], lang);
  if (o.library.some((l) => l.melody.code === melody.code && l.status === 'active')) {
    await perform(core, ctx, setToneAction, 'me', { melody: melody.code });
    return t(lang, `Теперь все звонящие слышат ${title}.`, `All callers now hear ${title}.`);
  }
  const offer = requireOffered(await buyMelodyAction.offer(core, ctx, { msisdn: 'me', melody: melody.code }));
  const c = buyMelodyAction.confirmation(offer, ctx.channel);
  if (c.kind !== 'reply') {
    await perform(core, ctx, buyMelodyAction, 'me', { melody: melody.code });
    await perform(core, ctx, setToneAction, 'me', { melody: melody.code });
    return t(lang, `Теперь все звонящие слышат ${title}.`, `All callers now hear ${title}.`);
  }
  await offerMelodyBySms(core, ctx, { msisdn: 'me', melody: melody.code, windowMs: c.windowMs });
  const minutes = Math.round(c.windowMs / 60_000);
  const word = c.words[lang === 'ru' ? 0 : c.words.length - 1]!;
  return t(
    lang,
    `${title}, ${melody.artist.ru}: ${statePrice(offer.facts!, 'ru', 'text')}. ${stateChargedToday(offer.facts!, 'ru', 'text')}. Чтобы купить и поставить для всех звонящих, ответьте ${word} в течение ${formatCount(minutes, 'ru', { one: 'минуты', few: 'минут', many: 'минут', other: 'минуты' })}.`,
    `${title} by ${melody.artist.en}: ${statePrice(offer.facts!, 'en', 'text')}. ${stateChargedToday(offer.facts!, 'en', 'text')}. Reply ${word} within ${formatCount(minutes, 'en', { one: 'minute', other: 'minutes' })} to buy it and set it for every caller.`,
  );
}
