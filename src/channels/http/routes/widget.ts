import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import type { Lang } from '../../../domain/shared/context.ts';
import { isDomainError } from '../../../domain/shared/errors.ts';
import { formatMoney } from '../../../domain/shared/money.ts';
import { createWidgetToken, WIDGET_LABEL_MAX } from '../../../domain/widget/create-widget-token.ts';
import { listWidgetTokens } from '../../../domain/widget/list-widget-tokens.ts';
import { readWidgetCard, type WidgetCard } from '../../../domain/widget/read-widget-card.ts';
import { revokeWidgetToken } from '../../../domain/widget/revoke-widget-token.ts';
import { ctxOf } from '../context.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const tag = { tags: ['widget'] };
const CARD_WIDTH = 320;
const CARD_HEIGHT = 180;

/** Where the card is served from: PUBLIC_URL, else the host the request came to. */
function baseUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  return (publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The two ways to embed a card: an iframe, or the one-line script that inserts that iframe. */
export function embedCode(base: string, token: string): { iframe: string; script: string } {
  const src = `${base}/widget/card?token=${encodeURIComponent(token)}`;
  return {
    iframe: `<iframe src="${escapeHtml(src)}" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" style="border:0" title="Abonent" loading="lazy" referrerpolicy="no-referrer"></iframe>`,
    script: `<script src="${escapeHtml(base)}/widget.js" data-token="${escapeHtml(token)}" async></script>`,
  };
}

/** Widget tokens of a number (Settings): list, create (the token is shown once), revoke. */
export async function widgetTokenRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn/widget-tokens';
  const info = z.object({ id: z.string(), label: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });

  r.get(base, { schema: { ...tag, summary: 'Widget tokens of the number (never the secret)', params, response: { 200: z.object({ items: z.array(info) }) } } }, async (req) =>
    listWidgetTokens(core, ctxOf(req), req.params),
  );
  r.post(
    base,
    {
      schema: {
        ...tag,
        summary: 'Make a read-only widget token; the token and embed code are shown only in this answer',
        params,
        body: z.object({ label: z.string().min(1).max(WIDGET_LABEL_MAX) }),
        response: {
          201: z.object({
            id: z.string(),
            label: z.string(),
            token: z.string(),
            createdAt: z.string(),
            embed: z.object({ iframe: z.string(), script: z.string() }),
          }),
        },
      },
    },
    async (req, reply) => {
      const made = await createWidgetToken(core, ctxOf(req), { msisdn: req.params.msisdn, label: req.body.label });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ ...made, embed: embedCode(baseUrl(req, opts.publicUrl), made.token) });
    },
  );
  r.delete(`${base}/:id`, { schema: { ...tag, summary: 'Revoke a widget token', params: params.extend({ id: z.string().min(1).max(20) }) } }, async (req, reply) => {
    await revokeWidgetToken(core, ctxOf(req), req.params);
    return reply.status(204).send();
  });
}

const words = {
  ru: { balance: 'Баланс', asOf: 'на', points: 'Бонусные баллы', tariff: 'Тариф', off: 'Виджет отключён', offHint: 'Токен отозван или не существует.', msk: 'МСК' },
  en: { balance: 'Balance', asOf: 'as of', points: 'Bonus points', tariff: 'Tariff', off: 'Widget switched off', offHint: 'The token was revoked or does not exist.', msk: 'MSK' },
} as const;

const style = `*{box-sizing:border-box}html,body{margin:0;height:100%}body{font:14px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff}
.c{height:100%;padding:14px 16px;border:1px solid #d7dce2;border-radius:12px;display:flex;flex-direction:column;gap:6px}
.b{font-size:26px;font-weight:700;letter-spacing:-.01em}.m{color:#5b6470;font-size:12px}.r{display:flex;justify-content:space-between;gap:8px}
.k{color:#5b6470}.v{font-weight:600;text-align:right}.n{font-size:12px;color:#5b6470}
@media (prefers-color-scheme:dark){body{background:#16191d;color:#e8ebee}.c{border-color:#2c3238}.m,.k,.n{color:#9aa3ad}}`;

function page(lang: Lang, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${style}</style></head><body>${body}</body></html>`;
}

function utcOffsetMinutes(zone: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** Local time named the way Russia names it: against Moscow — МСК, МСК+7, МСК−1. */
export function zoneLabel(zone: string, at: Date, msk: string): string {
  const diff = utcOffsetMinutes(zone, at) - utcOffsetMinutes('Europe/Moscow', at);
  if (diff === 0) return msk;
  const h = Math.floor(Math.abs(diff) / 60);
  const m = Math.abs(diff) % 60;
  return `${msk}${diff > 0 ? '+' : '−'}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/** The card: balance with its "as of" time, bonus points, tariff name; the number only masked. */
export function renderCard(card: WidgetCard, lang: Lang): string {
  const w = words[lang];
  const at = new Date(card.asOf);
  const asOf = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone: card.timeZone,
    day: '2-digit',
    month: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
  const points = new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB').format(card.points);
  return page(
    lang,
    `${w.balance}: ${formatMoney(card.balance, lang)}`,
    `<main class="c"><div class="n">${escapeHtml(card.maskedMsisdn)}</div>` +
      `<div class="k">${w.balance}</div><div class="b">${escapeHtml(formatMoney(card.balance, lang))}</div>` +
      `<div class="m">${w.asOf} <time datetime="${escapeHtml(card.asOf)}">${escapeHtml(asOf)}</time> ${escapeHtml(zoneLabel(card.timeZone, at, w.msk))}</div>` +
      `<div class="r"><span class="k">${w.points}</span><span class="v">${escapeHtml(points)}</span></div>` +
      `<div class="r"><span class="k">${w.tariff}</span><span class="v">${escapeHtml(card.tariffName[lang])}</span></div></main>`,
  );
}

export function renderOff(lang: Lang): string {
  const w = words[lang];
  return page(lang, w.off, `<main class="c"><div class="b" style="font-size:18px">${w.off}</div><div class="m">${w.offHint}</div></main>`);
}

// One line: finds its own <script> tag, puts the card's iframe right after it.
const script =
  '(function(){var s=document.currentScript;if(!s||!s.getAttribute("data-token"))return;var u=new URL("/widget/card",s.src);' +
  'u.searchParams.set("token",s.getAttribute("data-token"));var l=s.getAttribute("data-lang");if(l)u.searchParams.set("lang",l);' +
  `var f=document.createElement("iframe");f.src=u.href;f.width="${CARD_WIDTH}";f.height="${CARD_HEIGHT}";f.style.border="0";f.title="Abonent";` +
  'f.setAttribute("loading","lazy");f.setAttribute("referrerpolicy","no-referrer");s.parentNode.insertBefore(f,s.nextSibling);})();\n';

function cardHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *")
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('cross-origin-resource-policy', 'cross-origin')
    .type('text/html; charset=utf-8');
}

/**
 * The embeddable card and its script, outside /api/v1: no session, no cookies, framable by any
 * site. The token in the address is the only key, and it opens only this card.
 */
export async function widgetRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/widget/card',
    {
      schema: {
        ...tag,
        summary: 'The widget card (HTML): balance, bonus points and tariff for a widget token',
        querystring: z.object({ token: z.string().max(200).optional(), lang: z.string().max(10).optional() }),
      },
    },
    async (req, reply) => {
      const asked = req.query.lang === 'ru' || req.query.lang === 'en' ? req.query.lang : null;
      try {
        const card = await readWidgetCard(core, { token: req.query.token ?? '' });
        return cardHeaders(reply).send(renderCard(card, asked ?? card.language));
      } catch (e) {
        if (isDomainError(e) && e.code === 'NOT_FOUND') return cardHeaders(reply).status(404).send(renderOff(asked ?? req.lang));
        throw e;
      }
    },
  );
  r.get('/widget.js', { schema: { ...tag, summary: 'The one-line embed script: <script src=".../widget.js" data-token="…"></script>' } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(script),
  );
}
