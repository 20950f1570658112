import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import type { Core } from '../../src/domain/core.ts';
import { startScheduler } from '../../src/jobs/scheduler.ts';
import { logTransport } from '../../src/jobs/sms-outbox.ts';
import { createCore } from '../../src/runtime.ts';
import { DEMO, seedDemoAccounts } from '../../src/seed/seed-demo.ts';
import { buildServer } from '../../src/server.ts';
import { catalogStore, quietLog, testConfig } from './core.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 640 };

export interface WebServer {
  core: Core;
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

/**
 * An operator API key per server: the SMS outbox of a number other than the demo ones is the
 * operator's to read (the phone simulator shows only the demo numbers' and your own).
 */
const operatorKeys = new Map<string, string>();
export const outboxHeaders = (base: string): Record<string, string> => {
  const key = operatorKeys.get(base);
  return key ? { authorization: `Bearer ${key}` } : {};
};

/**
 * The real server as `npm start` runs it, on a random port with a fresh store: the SPA from
 * web/dist, every channel, and the job scheduler (SMS outbox, report generation) on the system
 * clock, so the browser's cookies and the server agree on time.
 */
export async function startWebServer(): Promise<WebServer> {
  if (!existsSync(join(import.meta.dirname, '../../web/dist/index.html'))) throw new Error('web/dist is missing: run `npm run build:web` (scripts/run-tests.mjs does)');
  const store = await catalogStore();
  const core = await createCore(testConfig, { db: store.db, log: quietLog });
  await seedDemoAccounts(core);
  const app = await buildServer(core, testConfig);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const scheduler = startScheduler(core, { sms: logTransport(core) });
  const url = `http://127.0.0.1:${port}`;
  operatorKeys.set(url, (await createApiKey(core.db, { name: 'e2e outbox reader' })).key);
  return {
    core,
    app,
    url,
    close: async () => {
      operatorKeys.delete(url);
      await scheduler.stop();
      await app.close();
      await store.drop();
    },
  };
}

/**
 * The web server and Chromium for one test file: started before its tests, closed after them.
 * Read `server` and `browser` inside tests and hooks (they exist once `before` has run).
 */
export function webSuite(): { readonly server: WebServer; readonly browser: Browser } {
  const suite = {} as { server: WebServer; browser: Browser };
  before(async () => {
    suite.server = await startWebServer();
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  return suite;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function newContext(browser: Browser, base: string, viewport: { width: number; height: number }, extra: BrowserContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ baseURL: base, viewport, locale: 'ru-RU', hasTouch: viewport.width < 600, serviceWorkers: 'block', ...extra });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** The newest SMS the server sent to a number (the demo outbox the phone simulator reads). */
export async function lastSms(base: string, msisdn: string, match: RegExp): Promise<string> {
  const res = await fetch(`${base}/api/v1/demo/sms?msisdn=${msisdn}`, { headers: outboxHeaders(base) });
  const body = (await res.json()) as { items: { direction: string; text: string }[] };
  const hit = body.items.find((m) => m.direction === 'mt' && match.test(m.text));
  if (!hit) throw new Error(`no SMS to ${msisdn} matching ${match}`);
  return hit.text;
}

/** Waits until an SMS matching `match` is in the outbox and returns the first capture group. */
export async function waitForSms(page: Page, base: string, msisdn: string, match: RegExp): Promise<string> {
  let found = '';
  await page.waitForFunction(
    async ([url, re, headers]) => {
      const r = await fetch(url, { headers });
      const b = (await r.json()) as { items: { direction: string; text: string }[] };
      return b.items.some((m) => m.direction === 'mt' && new RegExp(re).test(m.text));
    },
    [`${base}/api/v1/demo/sms?msisdn=${msisdn}`, match.source, outboxHeaders(base)] as const,
    { polling: 200, timeout: 10_000 },
  );
  const text = await lastSms(base, msisdn, match);
  found = match.exec(text)?.[1] ?? '';
  return found;
}

export interface PageCheck {
  small: string[];
  overflow: number;
  serious: string[];
}

/**
 * The checks every page must pass on a phone: every visible interactive element (or the label
 * wrapping a checkbox) at least 48×48 CSS px, no horizontal scrolling, text at least 16 px, and
 * no serious or critical axe-core violations. `axe` narrows the (slow) axe pass to some parts of
 * the page (CSS selectors), or skips it (`[]`), where the rest was checked at another width with
 * the same markup.
 */
export async function checkPage(page: Page, opts: { axe?: string[] } = {}): Promise<PageCheck & { smallText: string[] }> {
  const found = await page.evaluate(() => {
    const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=switch], [role=tab], [tabindex]:not([tabindex="-1"])';
    const small: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(sel))) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      let r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.bottom < 0 || r.right < 0 || r.left > innerWidth) continue; // off screen (the skip link until focused)
      const label = el.closest('label');
      if (label && (el as HTMLInputElement).type in { checkbox: 1, radio: 1 }) r = label.getBoundingClientRect();
      // A scrollable table region is a keyboard stop, not a tap target.
      if (el.getAttribute('role') === 'region') continue;
      if (r.width < 47.5 || r.height < 47.5) small.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    const smallText: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.textContent?.trim();
      const parent = n.parentElement;
      if (!t || !parent) continue;
      const st = getComputedStyle(parent);
      if (st.display === 'none' || st.visibility === 'hidden' || parent.closest('[aria-hidden="true"]')) continue;
      if (parseFloat(st.fontSize) < 16) smallText.push(`"${t.slice(0, 30)}" ${st.fontSize}`);
    }
    return { small, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, smallText };
  });
  if (opts.axe?.length === 0) return { ...found, serious: [] };
  const builder = new AxeBuilder({ page });
  for (const sel of opts.axe ?? []) builder.include(sel);
  const axe = await builder.analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  return { ...found, serious };
}

/** The first login of a number asks to accept the published terms of use (the demo seed publishes them). */
export async function acceptTermsIfAsked(page: Page): Promise<void> {
  const accept = page.getByRole('button', { name: 'Принимаю условия' });
  const balance = page.getByTestId('balance');
  await accept.or(balance).first().waitFor();
  if (await accept.isVisible()) await accept.click();
  await balance.waitFor();
}

/** Logs the demo subscriber in with the password form, from the start page, terms accepted: the balance is on screen. */
export async function logInAsDemoSubscriber(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Номер телефона').fill(DEMO.subscriber.msisdn);
  await page.getByLabel('Пароль').fill(DEMO.subscriber.password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await acceptTermsIfAsked(page);
}
