// The business dashboard's two uPlot charts in real Chromium, for the shapes that used to draw
// wrong: a month with ONE day of traffic (the time axis stretched over years and printed
// `2027 2028 2029`) and the six months of spending (no month labels). The analytics answer is the
// server's own, with its traffic cut to one day and a known change (−34.9 %), so the labels, the
// bar and the percent are checked against fixed facts, in Russian and then in English.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Dashboard } from '../../src/domain/business/dashboard.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { dayLabel, monthLabel } from '../../web/src/format.ts';
import { DESKTOP, launchBrowser, newContext, outboxHeaders, startWebServer, type WebServer } from '../helpers/browser.ts';

let server: WebServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
/** The months of the dashboard as the server answered (six, oldest first). */
let months: string[] = [];
let oneDay = '';

before(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  ctx = await newContext(browser, server.url, DESKTOP);
  page = await ctx.newPage();
  // The analytics as the server answers them, with the traffic of the month cut to its 9th day and
  // the change against the previous month set to −34.9 %.
  await page.route((url) => url.pathname === '/api/v1/business/analytics', async (route) => {
    const res = await route.fetch();
    const d = (await res.json()) as Dashboard;
    months = d.byMonth.map((m) => m.month);
    oneDay = `${d.month}-09`;
    const body: Dashboard = {
      ...d,
      change: { amount: -3490, percent: -34.9 },
      trafficByDay: [{ date: oneDay, minutes: 42, sms: 7, gb: 1.5, charged: 12_300 }],
    };
    await route.fulfill({ response: res, json: body });
  });
  // Business login through the API from the page (step 1: password, step 2: the SMS code).
  await page.goto('/business');
  const admin = DEMO.businessAdmin;
  const step1 = await page.evaluate(async (b) => (await (await fetch('/api/v1/auth/business/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })).json()) as { challenge: string }, {
    email: admin.email,
    password: admin.password,
  });
  const sms = (await (await fetch(`${server.url}/api/v1/demo/sms?msisdn=${admin.phone}`, { headers: outboxHeaders(server.url) })).json()) as { items: { text: string }[] };
  const code = sms.items.map((i) => /Код входа в бизнес-кабинет: (\d+)/.exec(i.text)?.[1]).find(Boolean);
  assert.ok(code, 'the login code was sent by SMS');
  const ok = await page.evaluate(
    async (b) => (await fetch('/api/v1/auth/business/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })).ok,
    { email: admin.email, challenge: step1.challenge, code },
  );
  assert.ok(ok, 'the SMS code logs in');
});
after(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.close();
});

interface Drawn {
  labels: string[];
  bars: { value: number; rgba: number[] }[];
}

/** The x labels a chart drew and, for each bar, the canvas pixel in the middle of it. */
async function drawn(testId: string): Promise<Drawn> {
  const chart = page.locator(`[data-testid="${testId}"][data-ready="true"]`);
  await chart.locator('canvas').waitFor();
  return chart.evaluate((el: HTMLElement) => {
    const canvas = el.querySelector('canvas')!;
    const g = canvas.getContext('2d')!;
    const bars = JSON.parse(el.dataset.bars ?? '[]') as { x: number; y: number; value: number }[];
    return {
      labels: JSON.parse(el.dataset.xLabels ?? '[]') as string[],
      bars: bars.map((b) => ({ value: b.value, rgba: Array.from(g.getImageData(b.x, b.y, 1, 1).data) })),
    };
  });
}

/** The bar fill, rgba(11, 92, 173, 0.35), on the white card: a blue pixel, not the background. */
const isBar = (rgba: number[]) => rgba[3]! > 0 && rgba[2]! > rgba[0]! + 30;

async function openDashboard(): Promise<void> {
  await page.goto('/business');
  await page.getByTestId('biz-total').waitFor();
}

test('Russian: one day of traffic is one bar under one day label; six months are labelled; the change is a locale percent', async () => {
  await openDashboard();
  const traffic = await drawn('chart-traffic');
  assert.deepEqual(traffic.labels, [dayLabel(oneDay, 'ru')]);
  assert.match(traffic.labels[0]!, /^9 [а-я]+\.?$/);
  assert.ok(!traffic.labels.some((l) => /\d{4}/.test(l)), `no year on the day axis: ${traffic.labels.join(', ')}`);
  assert.equal(traffic.bars.length, 1);
  assert.equal(traffic.bars[0]!.value, 42);
  assert.ok(isBar(traffic.bars[0]!.rgba), `the bar is drawn: ${traffic.bars[0]!.rgba.join(',')}`);

  const spending = await drawn('chart-months');
  assert.equal(months.length, 6);
  assert.deepEqual(
    spending.labels,
    months.map((m) => monthLabel(m, 'ru')),
  );
  for (const [i, l] of spending.labels.entries()) assert.match(l, new RegExp(`^[а-я]+\\.? ${months[i]!.slice(0, 4)}$`), 'a Russian month and its year, without «г.»');
  assert.equal(spending.bars.length, 6);
  for (const b of spending.bars.filter((x) => x.value > 0)) assert.ok(isBar(b.rgba), 'each month with spending has its bar');

  assert.match((await page.getByTestId('biz-change').textContent()) ?? '', /\([-−]34,9\s%\)$/);
});

test('English: the same charts say "9 Nov"-style days, "Nov 2026"-style months and -34.9%', async () => {
  await page.evaluate(() => localStorage.setItem('abonent.lang', 'en'));
  await openDashboard();
  const traffic = await drawn('chart-traffic');
  assert.deepEqual(traffic.labels, [dayLabel(oneDay, 'en')]);
  assert.match(traffic.labels[0]!, /^9 [A-Z][a-z]{2,3}$/);
  const spending = await drawn('chart-months');
  assert.deepEqual(
    spending.labels,
    months.map((m) => monthLabel(m, 'en')),
  );
  for (const l of spending.labels) assert.match(l, /^[A-Z][a-z]{2,3} \d{4}$/);
  assert.match((await page.getByTestId('biz-change').textContent()) ?? '', /\(-34\.9%\)$/);
  await page.evaluate(() => localStorage.removeItem('abonent.lang'));
});
