// The web app as its users judge it, in English at 1366×768 with a browser that asks for
// `Accept-Language: en-US`: the first visit in English (login, business login, phone simulator),
// no failing request or console error on any page load, the detail table and the ordered report
// agreeing with the ledger, no catalog code or i18n key on any page, dialogs that open on Cancel
// and give focus back, staff with a way out and only their own page. One browser for the file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { earnPoints } from '../../src/domain/bonus/earn-points.ts';
import { NOT_SPENDING } from '../../src/domain/reports/get-spending.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { dictionaries } from '../../web/src/i18n.ts';
import { launchBrowser, logInAsDemoSubscriber, newContext, PHONE, startWebServer, type WebServer } from '../helpers/browser.ts';
import { saveCard } from '../helpers/voice-env.ts';

const LAPTOP = { width: 1366, height: 768 };
let server: WebServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
/** Every request that failed (4xx/5xx) and every console error since the last `clean()`. */
let failures: string[] = [];

before(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  ctx = await newContext(browser, server.url, LAPTOP, { locale: 'en-US' });
  page = await ctx.newPage();
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
});
after(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.close();
});

function assertClean(where: string): void {
  assert.deepEqual(failures, [], `${where}: no failing request or console error`);
  failures = [];
}

async function settled(): Promise<void> {
  await page.getByRole('status').filter({ hasText: /Loading…|Checking|Загрузка…|Проверяем/ }).first().waitFor({ state: 'detached' });
}

/** "RUB 1,234.50", "-RUB 3.00" → kopecks. */
function kopecks(text: string): number {
  const m = /(-)?\D*([\d,]+)(?:\.(\d{2}))?/.exec(text.replace(/[\u00a0\u202f]/g, ' '));
  assert.ok(m, `money: ${text}`);
  return (m[1] ? -1 : 1) * (Number(m[2]!.replace(/,/g, '')) * 100 + Number(m[3] ?? 0));
}

/** What the ledger says the demo number was charged over local days [from, to] of its zone. */
async function ledgerCharged(from: string, to: string, tz: string): Promise<number> {
  const start = DateTime.fromISO(from, { zone: tz }).toJSDate();
  const end = DateTime.fromISO(to, { zone: tz }).plus({ days: 1 }).toJSDate();
  const [row] = await server.core.db.query<{ sum: number }>(
    `SELECT COALESCE(SUM(-e.amount), 0)::bigint AS sum FROM ledger_entry e JOIN subscriber s ON s.account_id = e.account_id
      WHERE s.msisdn = $1 AND (e.subscriber_id = s.id OR e.subscriber_id IS NULL) AND e.amount < 0
        AND e.created_at >= $2 AND e.created_at < $3 AND (e.category IS NULL OR e.category <> ALL($4::text[]))`,
    [DEMO.subscriber.msisdn, start, end, NOT_SPENDING],
  );
  return Number(row!.sum);
}

test('a first visit follows Accept-Language: login, business login and the phone simulator open in English, without a failing request', async () => {
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Log in to your account' }).waitFor();
  await settled();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assertClean('/ (login)');
  await page.goto('/business');
  await page.getByRole('heading', { level: 1, name: 'Business portal login' }).waitFor();
  assertClean('/business (login)');
  await page.goto('/phone');
  await page.getByRole('heading', { level: 1, name: 'Phone simulator' }).waitFor();
  await settled();
  // The desktop's width: the page is not squeezed into the side menu's column, the keypad is inside its card.
  const main = (await page.locator('main').boundingBox())!;
  const card = (await page.locator('main .card').first().boundingBox())!;
  const keypad = (await page.locator('.keypad').boundingBox())!;
  assert.ok(main.width >= 900, `the page is ${main.width} px wide`);
  assert.ok(keypad.width >= 280 && keypad.x >= card.x && keypad.x + keypad.width <= card.x + card.width, `the keypad (${keypad.x}+${keypad.width}) is inside its card (${card.x}+${card.width})`);
  // Every code the simulator's hint lists opens a menu on the real gateway.
  const codes = ((await page.getByTestId('ussd-codes').textContent()) ?? '').match(/\*\d+#/g) ?? [];
  assert.ok(codes.length > 0);
  for (const code of codes) {
    const r = await page.request.post('/phone/api/ussd', { data: { msisdn: DEMO.subscriber.msisdn, serviceCode: code, text: '' }, headers: { origin: server.url } });
    const text = ((await r.json()) as { text: string }).text;
    assert.ok(!/Unknown code|Неизвестный код/.test(text), `${code}: ${text}`);
  }
  assertClean('/phone');
});

test('the detail table, Home and an ordered report agree with the ledger; the report speaks English', async () => {
  await page.goto('/');
  await page.getByLabel('Phone number').fill(DEMO.subscriber.msisdn);
  await page.getByLabel('Password', { exact: true }).fill(DEMO.subscriber.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  const accept = page.getByRole('button', { name: 'I accept the terms' });
  await accept.or(page.getByTestId('balance')).first().waitFor();
  if (await accept.isVisible()) await accept.click();
  await page.getByTestId('balance').waitFor();
  assertClean('login');

  await page.goto('/detail');
  await page.getByTestId('usage-table').waitFor();
  await settled();
  const series = (await (await page.request.get('/api/v1/subscribers/me/traffic?days=30')).json()) as { from: string; to: string; timeZone: string };
  const cells = await page.getByTestId('usage-table').locator('tbody tr td:nth-child(2)').allTextContents();
  const ledger = await ledgerCharged(series.from, series.to, series.timeZone);
  assert.ok(ledger > 0, 'the demo number was charged in the last 30 days');
  assert.ok(cells.length > 0, 'the table lists the days with charges');
  assert.equal(cells.reduce((s, c) => s + kopecks(c), 0), ledger, 'the table sums to what the ledger charged');

  await page.getByRole('button', { name: 'Order', exact: true }).click();
  const download = page.getByRole('link', { name: /^Download CSV/ }).first();
  await download.waitFor({ timeout: 30_000 });
  assertClean('/detail');
  const report = (await (await page.request.get('/api/v1/subscribers/me/reports')).json()) as { items: { id: string; from: string; to: string; totalCharged: number }[] };
  const made = report.items[0]!;
  const month = await ledgerCharged(made.from, made.to, series.timeZone);
  assert.equal(made.totalCharged, month, 'the report total is the ledger total');
  const csv = (await (await page.request.get((await download.getAttribute('href'))!)).text()).replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(csv[0], 'Date and time;Type;Number;Zone;Duration / volume;From allowance;Amount, RUB', 'ordered from the English screen: an English report');
  const sum = csv.slice(1).reduce((s, line) => s + Number(line.split(';').at(-1)!.replace(',', '')), 0);
  assert.equal(sum, month, 'its lines sum to the ledger total');
});

/** Catalog codes and i18n keys as one pattern: none may be visible text. */
function codesAndKeys(lang: 'ru' | 'en'): RegExp {
  const catalogText = readFileSync(new URL('../../catalog/catalog.json', import.meta.url), 'utf8');
  const catalog = JSON.parse(catalogText) as { tariffs: { code: string }[]; products: { code: string }[] };
  // Codes that are also words of the catalog's own text (a plan named "Smart" is not the code `smart`) cannot be told apart.
  const words = new Set([...catalogText.matchAll(new RegExp(`"${lang}":\\s*"([^"]*)"`, 'g'))].flatMap((m) => m[1]!.split(/[^\w]+/)));
  const codes = [...catalog.tariffs, ...catalog.products].map((x) => x.code).filter((c) => !words.has(c));
  const keys = Object.keys(dictionaries[lang]).filter((k) => /[A-Z_]/.test(k));
  return new RegExp(`(?<![\\w-])(${[...codes, ...keys].join('|')})(?![\\w-])`);
}

async function scan(path: string, pattern: RegExp): Promise<void> {
  await page.goto(path);
  await page.locator('h1').first().waitFor();
  await settled();
  const text = await page.locator('body').innerText();
  const hit = pattern.exec(text);
  assert.equal(hit?.[0] ?? null, null, `${path}: "${hit?.[0]}" in …${text.slice(Math.max(0, (hit?.index ?? 0) - 80), (hit?.index ?? 0) + 80)}…`);
  assertClean(path);
}

test('no page shows a catalog code or an i18n key, and none fails to load', async () => {
  // History with a refused action: the demo number has "Weather" already; connecting it again is refused.
  const code = await page.evaluate(
    async () =>
      ((await (await fetch('/api/v1/subscribers/me/products', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body: JSON.stringify({ productCode: 'weather' }) })).json()) as { code: string }).code,
  );
  assert.equal(code, 'ALREADY_CONNECTED');
  failures = []; // that refusal was the point
  const pattern = codesAndKeys('en');
  for (const path of ['/', '/services', '/tariffs', '/payments', '/bonuses', '/detail', '/history', '/support', '/settings', '/more']) await scan(path, pattern);
  await page.goto('/history');
  const refused = page.getByTestId('history').locator('li[data-outcome="refused"]').filter({ hasText: 'Weather' }).first();
  assert.match(await refused.innerText(), /^Refused: Service connected · Weather\n+"Weather" is already connected\n/, 'refused, with its reason');
});

test('a money dialog opens on Cancel; Esc closes it and focus goes back to the button that opened it', async () => {
  await page.goto('/services');
  const connect = page.getByTestId('available').getByRole('button', { name: 'Connect' }).and(page.locator(':enabled')).first();
  await connect.click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await connect.evaluate((el) => el === document.activeElement), 'focus is back on "Connect"');
  // Cancel by the button: the same.
  await connect.click();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await connect.evaluate((el) => el === document.activeElement), 'focus is back on "Connect" after Cancel');
  assertClean('/services');
  // Every other confirmation the subscriber can open (they share one dialog): Esc gives focus back to the opener.
  // A saved card, so that "Remove card" is there to press.
  const [me] = await server.core.db.query<{ id: number; account_id: number }>('SELECT id, account_id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  await saveCard(server.core, { subscriberId: me!.id, msisdn: DEMO.subscriber.msisdn });
  // Points enough for a reward, so that "Exchange" is enabled (500 ₽ spent at a point a ruble).
  await earnPoints(server.core.db, { pointsPerRuble: 1, expiryMonths: 12 }, { accountId: Number(me!.account_id), subscriberId: Number(me!.id), spent: 50_000, at: server.core.clock.now() });
  const openers: [string, RegExp, ((p: Page) => Promise<void>)?][] = [
    ['/services', /^Disable/],
    ['/services', /^Stop all paid content$/],
    ['/bonuses', /^Exchange: /],
    ['/tariffs', /^Switch: /],
    ['/payments', /^Take /],
    ['/payments', /^Remove card/],
    ['/ringback', /^Buy$/],
    ['/sharing', /^Give$/, async (p) => {
      await p.getByLabel(/^How much: from/).fill('1');
      await p.getByLabel("Recipient's number").fill('+7 916 100-00-00');
    }],
  ];
  for (const [path, name, prepare] of openers) {
    // Esc changes nothing: openers on the page already open are tried without loading it again.
    if (new URL(page.url()).pathname !== path) {
      await page.goto(path);
      await settled();
    }
    await prepare?.(page);
    const opener = page.getByRole('main').getByRole('button', { name }).and(page.locator(':enabled')).first();
    await opener.click();
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', `${path}: opens on Cancel`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await opener.evaluate((el) => el === document.activeElement), `${path}: focus is back on "${await opener.textContent()}"`);
    assertClean(path);
  }
});

test('a refusal appears beside the control that caused it and is announced, not at the top of the page', async () => {
  await page.goto('/services');
  await settled();
  // A service one has once (not a package bought again and again), connected meanwhile elsewhere — the same API, from the
  // same session: the list on screen is stale, so the server refuses.
  const available = (await (await page.request.get('/api/v1/subscribers/me/products/available')).json()) as { items: { code: string; kind: string; content: boolean; blockedBy: unknown; name: { en: string } }[] };
  const pick = available.items.find((i) => (i.kind === 'option' || i.kind === 'service') && !i.content && i.blockedBy === null)!;
  const productCode = pick.code;
  const row = page.getByTestId('available').locator('li').filter({ has: page.getByText(pick.name.en, { exact: true }) });
  const made = await page.request.post('/api/v1/subscribers/me/products', { data: { productCode }, headers: { origin: server.url, 'idempotency-key': crypto.randomUUID() } });
  assert.ok(made.ok(), `connected ${productCode}: ${made.status()}`);
  await row.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  const alert = row.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /already connected/, 'the reason, in words');
  assert.equal(await page.getByRole('alert').count(), 1, 'one refusal, in the row of the button pressed');
  failures = []; // that refusal (409) was the point
  const off = await page.request.delete(`/api/v1/subscribers/me/products/${productCode}`, { headers: { origin: server.url } });
  assert.ok(off.ok(), `disconnected again: ${off.status()}`);

  // A top-up over the most the server takes: the reason in the top-up form, right above "Pay", announced.
  await page.goto('/payments');
  await settled();
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Pay', exact: true }) });
  await form.getByLabel('Amount, RUB').fill('20,000');
  await form.getByRole('button', { name: 'Pay', exact: true }).click();
  const refused = form.getByRole('alert');
  await refused.waitFor();
  assert.match(await refused.innerText(), /amount/i, 'the reason, in English');
  assert.equal(await page.getByRole('alert').count(), 1, 'only in the form');
  const [box, pay] = await Promise.all([refused.boundingBox(), form.getByRole('button', { name: 'Pay', exact: true }).boundingBox()]);
  assert.ok(box && pay && pay.y - (box.y + box.height) < 48, 'right above "Pay"');
  failures = []; // that refusal (422) was the point
});

test('staff see only their own page, with a way to log out', async () => {
  await page.goto('/settings');
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in to your account' }).waitFor();
  await page.getByRole('button', { name: 'Staff login' }).click();
  await page.getByLabel('Email').fill(DEMO.staff.email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO.staff.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByRole('navigation').first().waitFor();
  for (const path of ['/more', '/settings', '/detail', '/']) {
    await page.goto(path);
    await page.waitForURL('**/staff');
    await settled();
    assert.ok(!(await page.locator('body').innerText()).includes('Number not found'), `${path}: no subscriber page for staff`);
  }
  const nav = await page.getByRole('navigation').first().getByRole('link').allTextContents();
  assert.equal(nav.length, 1, `staff navigation: ${nav.join(', ')}`);
  assertClean('staff pages');
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in to your account' }).waitFor();
});

test('in Russian on a 360×640 phone too: no catalog code or i18n key, no failing request', async () => {
  const ru = await newContext(browser, server.url, PHONE);
  const english = page;
  page = await ru.newPage();
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  try {
    await logInAsDemoSubscriber(page);
    assertClean('login (ru)');
    const pattern = codesAndKeys('ru');
    for (const path of ['/', '/services', '/payments', '/bonuses', '/detail', '/history', '/support', '/more']) await scan(path, pattern);
  } finally {
    await ru.close();
    page = english;
  }
});
