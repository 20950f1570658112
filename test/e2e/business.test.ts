// The business portal's screens in real Chromium against the real server (demo seed: ООО «Ромашка»
// with 200 numbers in five regions), on a desktop and on a 360×640 phone: login with the SMS
// second factor, the dashboard's charts, filters, a bulk operation with per-number outcomes, a
// limit, orders approved by a second admin, worked and marked done by the operator's staff, and rejected, an XLSX export read back with exceljs,
// the accountant's read-only view, a department manager's reach, and every page's checks.
import ExcelJS from 'exceljs';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { checkPage, DESKTOP, launchBrowser, newContext, outboxHeaders, PHONE, startWebServer, type WebServer } from '../helpers/browser.ts';

const SECOND = { email: 'second@romashka.example', password: 'demo5678', phone: '79001110009' };

let server: WebServer;
let browser: Browser;
let customerId: number;
/** The contract admin's session from the desktop run's login, for the later desktop tests: no second SMS login. */
let adminState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

before(async () => {
  server = await startWebServer();
  browser = await launchBrowser();
  customerId = Number((await server.core.db.query<{ id: number }>("SELECT id FROM customer WHERE inn = '7701234567'"))[0]!.id);
  // A second contract admin of the same company, to approve the first one's orders.
  await server.core.db.query(
    `INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES ($1, $2, $3, 'Второй администратор', 'contract_admin', $4)`,
    [customerId, SECOND.email, SECOND.phone, await hashPassword(SECOND.password)],
  );
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** +7 916 100-00-05, as the screens print a number. */
const phone = (m: string) => `+7 ${m.slice(1, 4)} ${m.slice(4, 7)}-${m.slice(7, 9)}-${m.slice(9, 11)}`;
/** The demo company's n-th number (the seed gives region 77, 78, 16, 54, 23 in turn). */
const nth = (i: number) => `7916${String(1_000_000 + i).padStart(7, '0')}`;

/** "1 000 ₽", "997,50 ₽", "−12 ₽" as kopecks. */
function kopecks(text: string): number {
  const negative = /[-−]/.test(text);
  const [rub, kop = '0'] = text.replace(/[^\d,]/g, '').split(',');
  const v = Number(rub) * 100 + Number(kop.padEnd(2, '0'));
  return negative ? -v : v;
}

async function lastSmsId(msisdn: string): Promise<number> {
  const b = (await (await fetch(`${server.url}/api/v1/demo/sms?msisdn=${msisdn}`, { headers: outboxHeaders(server.url) })).json()) as { items: { id: number }[] };
  return b.items[0]?.id ?? 0;
}

/** Logs in through the business login screen: email and password, then the code the SMS brought. */
async function bizLogin(page: Page, who: { email: string; password: string; phone: string }): Promise<void> {
  await page.goto('/business');
  await page.getByRole('heading', { level: 1, name: 'Вход в бизнес-кабинет' }).waitFor();
  const after = await lastSmsId(who.phone);
  await page.getByLabel('Электронная почта').fill(who.email);
  await page.getByLabel('Пароль').fill(who.password);
  await page.getByRole('button', { name: 'Получить код' }).click();
  await page.getByLabel('Код из SMS').waitFor();
  // The code of this login: the first message to the admin's phone after the ones seen before.
  const handle = await page.waitForFunction(
    async ([url, headers]) => {
      const b = (await (await fetch(url, { headers })).json()) as { items: { text: string }[] };
      const m = b.items.map((i) => /Код входа в бизнес-кабинет: (\d+)/.exec(i.text)).find(Boolean);
      return m ? m[1] : false;
    },
    [`${server.url}/api/v1/demo/sms?msisdn=${who.phone}&afterId=${after}`, outboxHeaders(server.url)] as const,
    { polling: 200, timeout: 10_000 },
  );
  const code = (await handle.jsonValue()) as string;
  await page.getByLabel('Код из SMS').fill(code);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('heading', { level: 1, name: 'Аналитика расходов' }).waitFor();
}

/** Sessions by e-mail: the first test that needs a role logs it in with the SMS code; later ones (the phone run) reuse its cookie. */
const sessions = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();

async function loggedIn(who: { email: string; password: string; phone: string }, viewport: { width: number; height: number }): Promise<{ ctx: BrowserContext; page: Page }> {
  const state = sessions.get(who.email);
  const ctx = await newContext(browser, server.url, viewport, state ? { storageState: state } : {});
  const page = await ctx.newPage();
  if (state) {
    await page.goto('/business');
    await page.getByRole('heading', { level: 1, name: 'Аналитика расходов' }).waitFor();
  } else {
    await bizLogin(page, who);
    sessions.set(who.email, await ctx.storageState());
  }
  return { ctx, page };
}

async function open(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(path);
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
  await page.getByText('Загрузка…').first().waitFor({ state: 'detached' });
}

/** The business portal's shell, whose layout changes with the width (one header line, the navigation a sideways row). */
const SHELL = ['.topbar', '.biz-nav'];

/**
 * The page checks. axe runs on the whole page on the desktop; on the phone only on what `axe`
 * names (by default nothing): a page's markup is the same component at both widths except the
 * shell and the numbers' folded filters, so a full pass per page and role is made once.
 */
async function expectClean(page: Page, what: string, viewport: { width: number }, axe: string[] | 'all' = []): Promise<void> {
  const r = await checkPage(page, viewport === DESKTOP || axe === 'all' ? {} : { axe });
  assert.deepEqual(r.serious, [], `${viewport.width}px ${what}: axe serious/critical violations`);
  assert.ok(r.overflow <= 0, `${viewport.width}px ${what}: scrolls horizontally by ${r.overflow}px`);
  if (viewport === PHONE) {
    assert.deepEqual(r.small, [], `${viewport.width}px ${what}: interactive elements under 48×48`);
    assert.deepEqual(r.smallText, [], `${viewport.width}px ${what}: text under 16px`);
  }
}

const PAGES: [string, string][] = [
  ['/business', 'Аналитика расходов'],
  ['/business/numbers', 'Номера'],
  ['/business/bulk', 'Массовые операции'],
  ['/business/limits', 'Лимиты'],
  ['/business/orders', 'Заявки'],
  ['/business/reports', 'Отчёты'],
];

/** Buttons that change something: none of them may show to an accountant. */
const CHANGE_BUTTONS = /^(Запустить|Установить лимит|Снять лимит|Создать заявку|Одобрить|Взять в работу|Выполнено|Отклонить|Загрузить справочник|Сохранить)/;

for (const [name, viewport] of [
  ['desktop 1280×800', DESKTOP],
  ['phone 360×640', PHONE],
] as const) {
  const desktop = viewport === DESKTOP;
  describe(`business portal on ${name}`, () => {
    let ctx: BrowserContext;
    let page: Page;
    before(async () => {
      ctx = await newContext(browser, server.url, viewport);
      page = await ctx.newPage();
    });
    after(async () => {
      if (desktop) adminState = await ctx?.storageState();
      await ctx?.close();
    });

    test('the login page passes the checks; a wrong password is refused; login with the SMS code', async () => {
      await page.goto('/');
      // The subscriber login links to the business portal.
      await page.getByRole('link', { name: 'Бизнес-клиентам' }).click();
      await page.getByRole('heading', { level: 1, name: 'Вход в бизнес-кабинет' }).waitFor();
      await expectClean(page, '/business (login)', viewport);
      await page.getByLabel('Электронная почта').fill(DEMO.businessAdmin.email);
      await page.getByLabel('Пароль').fill('wrong-password');
      await page.getByRole('button', { name: 'Получить код' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByLabel('Код из SMS').count(), 0);
      await bizLogin(page, DEMO.businessAdmin);
      assert.match((await page.getByTestId('biz-who').textContent()) ?? '', /Ромашка.*Администратор договора/);
    });

    test('the dashboard draws its charts (uPlot) and lists top spenders', async () => {
      await open(page, '/business', 'Аналитика расходов');
      await page.locator('[data-testid="chart-months"][data-ready="true"] canvas').waitFor();
      // Last month has the seeded charges: pick it, and the screen shows the API's figures for it.
      const now = (await (await page.request.get('/api/v1/business/analytics')).json()) as { total: number; previousMonth: string; trafficByDay: { minutes: number }[] };
      // Traffic by day is drawn when the month has usage records; without them the section says so.
      if (now.trafficByDay.some((d) => d.minutes > 0)) await page.locator('[data-testid="chart-traffic"][data-ready="true"] canvas').waitFor();
      else await page.getByTestId('biz-no-traffic').waitFor();
      assert.equal(kopecks((await page.getByTestId('biz-total').textContent()) ?? ''), now.total);
      const last = (await (await page.request.get(`/api/v1/business/analytics?month=${now.previousMonth}`)).json()) as { total: number; topSpenders: unknown[]; trafficByDay: { sms: number }[] };
      assert.ok(last.total > 0, 'the demo seed charges last month');
      await page.getByLabel('Месяц', { exact: true }).fill(now.previousMonth);
      await page.waitForFunction(
        ([want]) => {
          const t = document.querySelector('[data-testid="biz-total"]')?.textContent ?? '';
          const [rub, kop = '0'] = t.replace(/[^\d,]/g, '').split(',');
          return Number(rub) * 100 + Number(kop.padEnd(2, '0')) === want;
        },
        [last.total],
      );
      assert.equal(await page.getByTestId('top-spenders').locator('li').count(), last.topSpenders.length);
      assert.ok(last.topSpenders.length > 0);
      // Switching the traffic metric redraws the chart (or says there were none).
      await page.getByRole('button', { name: 'SMS и MMS' }).click();
      if (last.trafficByDay.some((d) => d.sms > 0)) await page.getByRole('img', { name: 'Трафик по дням: SMS и MMS' }).locator('canvas').waitFor();
      else await page.getByTestId('biz-no-traffic').waitFor();
    });

    test('every page passes the tap-target, overflow, text-size and axe checks', async () => {
      for (const [path, heading] of PAGES) {
        await open(page, path, heading);
        // On the phone: the shell once, and the numbers page whole (its filters fold there).
        await expectClean(page, path, viewport, path === '/business' ? SHELL : path === '/business/numbers' ? 'all' : []);
      }
    });

    test('numbers: filter by region and department, search by employee, paging', async () => {
      await open(page, '/business/numbers', 'Номера');
      assert.equal(Number(await page.getByTestId('numbers-total').getAttribute('data-total')), 200);
      // Open on a desktop; folded on a phone until asked for.
      const filters = page.locator('.biz-filter details');
      assert.equal(await filters.evaluate((d: HTMLDetailsElement) => d.open), desktop);
      if (!desktop) await page.getByText('Фильтры и сортировка').click();
      await page.getByLabel('Регион').selectOption('78');
      await page.getByLabel('Подразделение').selectOption({ label: 'Логистика' });
      await page.getByRole('button', { name: 'Показать' }).click();
      const expected = Number(
        (
          await server.core.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM subscriber s JOIN department d ON d.id = s.department_id WHERE s.customer_id = $1 AND s.region_code = '78' AND d.name = 'Логистика'",
            [customerId],
          )
        )[0]!.n,
      );
      assert.ok(expected > 0 && expected < 200);
      await page.locator(`[data-testid="numbers-total"][data-total="${expected}"]`).waitFor();
      const rows = page.getByTestId('numbers').locator('li');
      assert.equal(await rows.count(), Math.min(expected, 25));
      for (const d of await rows.getByTestId('department').allTextContents()) assert.equal(d, 'Логистика');
      for (const r of await rows.getByTestId('region').allTextContents()) assert.match(r, /Санкт-Петербург|78/);
      // Search by an employee's name from the list.
      const employee = ((await rows.first().getByTestId('employee').textContent()) ?? '').trim();
      await page.getByRole('button', { name: 'Сбросить' }).click();
      await page.locator('[data-testid="numbers-total"][data-total="200"]').waitFor();
      await page.getByLabel('Номер или сотрудник').fill(employee);
      await page.getByRole('button', { name: 'Показать' }).click();
      await page.locator('[data-testid="numbers-total"]:not([data-total="200"])').waitFor();
      for (const e of await rows.getByTestId('employee').allTextContents()) assert.equal(e, employee);
      // Paging: the second page starts at 26.
      await page.getByRole('button', { name: 'Сбросить' }).click();
      await page.locator('[data-testid="numbers-total"][data-total="200"]').waitFor();
      await page.getByRole('button', { name: 'Дальше' }).click();
      await page.getByText('Показаны 26–50 из 200').waitFor();
    });

    test(desktop ? 'numbers at 1366×768: the side menu beside the page, the header one line' : 'numbers on a phone: a compact header, the list on the first screen, a sticky bar for the selection', async () => {
      if (desktop) await page.setViewportSize({ width: 1366, height: 768 });
      await open(page, '/business/numbers', 'Номера');
      const box = (sel: string) => page.locator(sel).first().evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
      const header = await box('.topbar');
      const nav = await box('.biz-nav');
      const found = await box('#biz-found');
      if (desktop) {
        const main = await box('main');
        assert.equal(header.height, 56, 'the header is one line');
        assert.ok(nav.right <= main.left && nav.width >= 240, `the menu (${nav.width} px) is a column left of the page (${main.left})`);
        assert.ok(found.top < 768, `the list starts on the first screen (${found.top})`);
        await page.setViewportSize(viewport);
        return;
      }
      // Header and navigation took 281 px of 640 before they were made compact.
      assert.ok(nav.bottom <= 170, `header and navigation end at ${nav.bottom} px`);
      assert.ok(nav.height <= 64, `the navigation is one row (${nav.height} px)`);
      const rows = page.getByTestId('numbers').locator('li');
      const first = await rows.first().evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
      assert.ok(found.top < 640 && first.top < 600, `the list (${found.top}) and its first number (${first.top}) on the first screen`);
      // No bar until something is selected; then it is at the bottom of the screen as the list scrolls.
      const bar = page.getByRole('region', { name: 'Выбранные номера', exact: true });
      assert.equal(await bar.count(), 0);
      for (const i of [3, 4]) await page.getByRole('checkbox', { name: `Выбрать ${phone(nth(i))}` }).check();
      await bar.getByText('Выбрано номеров: 2').waitFor();
      await rows.nth(12).scrollIntoViewIfNeeded();
      const stuck = await bar.evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
      assert.ok(Math.abs(stuck.bottom - 640) <= 1 && stuck.height <= 110, `the bar sticks to the bottom (${stuck.top}–${stuck.bottom})`);
      // At the list's end it sits below the last row and the pager, covering neither.
      await page.getByRole('button', { name: 'Дальше' }).scrollIntoViewIfNeeded();
      const end = await bar.evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
      const last = await rows.last().evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
      const pager = await page.getByRole('button', { name: 'Дальше' }).evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
      assert.ok(end.top >= last.bottom && end.top >= pager.bottom, `the bar (${end.top}) below the last row (${last.bottom}) and the pager (${pager.bottom})`);
      // By keyboard: Tab from the last checked number reaches the bar; Enter takes focus to the action form.
      await page.getByRole('checkbox', { name: `Выбрать ${phone(nth(4))}` }).focus();
      await tabTo(page, '[data-testid="actionbar"] button.primary');
      await page.keyboard.press('Enter');
      assert.ok(await page.evaluate(() => document.activeElement?.closest('#biz-bulk') !== null), 'focus is in the action form');
      await page.getByTestId('selected-count').filter({ hasText: 'Выбрано номеров: 2' }).waitFor();
      // The bulk confirmation opens on Cancel; Esc closes it and gives focus back to its button.
      const start = page.getByRole('button', { name: 'Запустить для выбранных (2)' });
      await start.click();
      await page.getByRole('dialog').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Отмена');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.ok(await start.evaluate((el) => el === document.activeElement), 'focus is back on the bulk button');
      // In English too.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('region', { name: 'Selected numbers', exact: true }).getByRole('button', { name: 'Actions' }).waitFor();
      await page.getByRole('region', { name: 'Selected numbers', exact: true }).getByText('Numbers selected: 2').waitFor();
      await page.getByRole('button', { name: 'Русский' }).click();
      await bar.getByRole('button', { name: 'Снять выбор' }).click();
      await bar.waitFor({ state: 'detached' });
    });

    test('a bulk operation over selected numbers runs with progress; each number done or refused with the reason', async () => {
      // Numbers in Moscow (77, whose contract denies content subscriptions), St Petersburg and Kazan.
      const base = desktop ? 0 : 25;
      const picked = [nth(base), nth(base + 1), nth(base + 2)];
      await open(page, '/business/numbers', 'Номера');
      if (!desktop) {
        await page.getByRole('button', { name: 'Дальше' }).click();
        await page.getByText('Показаны 26–50 из 200').waitFor();
      }
      for (const m of picked) await page.getByRole('checkbox', { name: `Выбрать ${phone(m)}` }).check();
      await page.getByTestId('selected-count').filter({ hasText: 'Выбрано номеров: 3' }).waitFor();
      await page.getByLabel('Действие', { exact: true }).selectOption('connect_product');
      await page.getByLabel('Услуга').selectOption('weather');
      await page.getByRole('button', { name: 'Запустить для выбранных (3)' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Подтвердить' }).click();
      await page.getByRole('heading', { level: 1, name: 'Массовые операции' }).waitFor();
      await page.locator('[data-testid="operation"][data-status="done"]').waitFor({ timeout: 30_000 });
      const items = page.getByTestId('op-items');
      await items.locator('li').nth(2).waitFor();
      const moscow = items.locator(`li[data-msisdn="${picked[0]}"]`);
      assert.equal(await moscow.getAttribute('data-status'), 'refused');
      assert.match((await moscow.textContent()) ?? '', /отказ/);
      assert.ok(((await moscow.locator('.biz-warn').first().textContent()) ?? '').length > 10, 'the refusal names its reason');
      const statuses = await Promise.all(picked.map((m) => items.locator(`li[data-msisdn="${m}"]`).getAttribute('data-status')));
      assert.ok(statuses.includes('done'), `at least one number done: ${statuses.join(', ')}`);
      const done = statuses.filter((s) => s === 'done').length;
      assert.match((await page.getByTestId('op-done').textContent()) ?? '', new RegExp(`Выполнено: ${done}$`));
      assert.match((await page.getByTestId('op-refused').textContent()) ?? '', new RegExp(`Отказано: ${3 - done}$`));
      // The filter shows only the refusals.
      await page.getByRole('button', { name: 'отказ', exact: true }).click();
      await items.locator('li[data-status="done"]').first().waitFor({ state: 'detached' });
      assert.ok(await items.locator('li[data-status="refused"]').count() >= 1);
      // And the subscriber's own product list has it, for a number that was done.
      const doneMsisdn = picked[statuses.indexOf('done')]!;
      const [row] = await server.core.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM product_instance pi JOIN subscriber s ON s.id = pi.subscriber_id WHERE s.msisdn = $1 AND pi.product_code = 'weather' AND pi.status = 'active'",
        [doneMsisdn],
      );
      assert.equal(row!.n, 1);
      await expectClean(page, '/business/bulk (operation)', viewport);
    });

    test('set a per-number limit and see it in the list', async () => {
      const m = nth(desktop ? 40 : 41);
      await open(page, '/business/limits', 'Лимиты');
      // A number not of the company: the server's refusal in the form, above its button, announced.
      const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Установить лимит номеру' }) });
      await page.getByLabel('Номер', { exact: true }).fill('79990000000');
      await page.getByLabel('Лимит в месяц, ₽').fill('1500');
      await page.getByRole('button', { name: 'Установить лимит номеру' }).click();
      const refused = form.getByRole('alert');
      await refused.waitFor();
      assert.ok(((await refused.textContent()) ?? '').length > 10, 'the refusal names its reason');
      assert.equal(await page.getByRole('alert').count(), 1, 'only in the form');
      await page.getByLabel('Номер', { exact: true }).fill(m);
      await page.getByLabel('Лимит в месяц, ₽').fill('1500');
      await page.getByLabel('Что учитывать').selectOption('extras');
      await page.getByLabel('Когда лимит достигнут').selectOption('block_extras');
      await page.getByRole('button', { name: 'Установить лимит номеру' }).click();
      await page.getByText('Лимит установлен.').waitFor();
      const item = page.getByTestId('limits').locator(`li[data-msisdn="${m}"]`);
      await item.waitFor();
      assert.match((await item.getByTestId('limit-amount').textContent()) ?? '', /из 1\s?500\s₽/);
      assert.match((await item.textContent()) ?? '', /Доп\. услуги · Сообщить и запретить платные услуги/);
      const [row] = await server.core.db.query<{ amount: string; scope: string; action: string }>(
        'SELECT l.amount, l.scope, l.action FROM number_limit l JOIN subscriber s ON s.id = l.subscriber_id WHERE s.msisdn = $1',
        [m],
      );
      assert.deepEqual({ ...row, amount: Number(row!.amount) }, { amount: 150_000, scope: 'extras', action: 'block_extras' });
      // Its removal asks first; Esc keeps it, focus back on "Снять лимит".
      const remove = item.getByRole('button', { name: `Снять лимит ${phone(m)}` });
      await remove.click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.ok(await remove.evaluate((el) => el === document.activeElement), 'focus is back on the removal button');
      await item.waitFor();
    });

    test("each contract card shows its credit pool: the limit, what the numbers owe together and what is left", async () => {
      await open(page, '/business/limits', 'Лимиты');
      const card = page.getByTestId('contract').filter({ hasText: 'ROM-77-001' });
      const text = ((await card.getByTestId('contract-pool').textContent()) ?? '').replace(/\s/g, ' ');
      const [pool] = await server.core.db.query<{ credit_limit: number; debt: number }>(
        `SELECT k.credit_limit, COALESCE((SELECT SUM(-a.balance) FROM account a WHERE a.pool_contract_id = k.id AND a.balance < 0), 0)::bigint AS debt
           FROM contract k WHERE k.number = 'ROM-77-001'`,
      );
      const rub = (kop: number) => new Intl.NumberFormat('ru-RU').format(Math.floor(Number(kop) / 100)).replace(/\s/g, ' ');
      assert.match(text, new RegExp(`^Кредитный лимит: ${rub(pool!.credit_limit)}.*₽ · долг номеров ${rub(pool!.debt)}.*₽ · осталось ${rub(Math.max(0, pool!.credit_limit - pool!.debt))}`));
      await card.getByText('Один общий лимит на все номера договора').waitFor();
    });

    test('an eSIM order waits for a second admin, who approves it; a number change is rejected with a reason', async () => {
      await open(page, '/business/limits', 'Лимиты');
      const approval = page.getByRole('switch', { name: 'Заявки подтверждает второй администратор' });
      if ((await approval.getAttribute('aria-checked')) !== 'true') {
        await approval.click();
        await page.locator('[role="switch"][aria-checked="true"]', { hasText: 'Заявки подтверждает второй администратор' }).waitFor();
      }
      const m = nth(desktop ? 60 : 61);
      await open(page, '/business/orders', 'Заявки');
      await page.getByLabel('Номер', { exact: true }).fill(m);
      await page.getByLabel('Тип SIM').selectOption('esim');
      await page.getByRole('button', { name: 'Создать заявку' }).click();
      await page.getByText('Заявка создана.').waitFor();
      const card = page.getByTestId('orders').getByTestId('order').filter({ hasText: phone(m) }).first();
      await card.getByText('Ждёт подтверждения второго администратора').waitFor();
      assert.equal(await card.getByTestId('order-status').textContent(), 'Создана');
      assert.match((await card.getByTestId('activation-code').textContent()) ?? '', /^LPA:1\$smdp\.abonent\.example\$/);
      await card.getByTestId('qr').evaluate((img: HTMLImageElement) => (img.complete ? null : new Promise((r) => img.addEventListener('load', r, { once: true }))));
      assert.ok(await card.getByTestId('qr').evaluate((img: HTMLImageElement) => img.naturalWidth > 0), 'the QR image loads');
      const orderId = (await card.getAttribute('data-order'))!;
      // Its creator may not approve it.
      await card.getByRole('button', { name: 'Одобрить' }).click();
      await card.getByRole('alert').waitFor();
      assert.equal(await card.getByTestId('order-status').textContent(), 'Создана');

      // The second admin approves it; starting the work and marking it done are the operator's steps, not offered to an admin.
      const { ctx: other, page: p2 } = await loggedIn(SECOND, viewport);
      await open(p2, '/business/orders', 'Заявки');
      const theirs = p2.locator(`[data-order="${orderId}"]`);
      await theirs.getByRole('button', { name: 'Одобрить' }).click();
      await p2.locator(`[data-order="${orderId}"][data-status="approved"]`).waitFor();
      assert.deepEqual(await theirs.getByRole('button').allTextContents(), ['Отклонить'], 'an admin is offered only their own steps');
      await other.close();
      // The operator's staff take it into work and mark it done on their page.
      const ops = await newContext(browser, server.url, viewport);
      const staff = await ops.newPage();
      await staff.goto('/');
      await staff.getByRole('button', { name: 'Вход для сотрудников' }).click();
      await staff.getByLabel('Электронная почта').fill(DEMO.staff.email);
      await staff.getByLabel('Пароль').fill(DEMO.staff.password);
      await staff.getByRole('button', { name: 'Войти' }).click();
      const waiting = staff.getByTestId('staff-orders').locator(`[data-order="${orderId}"]`);
      assert.match((await waiting.textContent()) ?? '', /^Замена SIM-карты: \+7 916 \d{3}-\d{2}-\d{2} · ООО «Ромашка»/);
      await waiting.getByRole('button', { name: 'Взять в работу' }).click();
      await staff.getByTestId('staff-orders').locator(`[data-order="${orderId}"][data-status="in_progress"]`).getByRole('button', { name: 'Выполнено' }).click();
      await waiting.waitFor({ state: 'detached' });
      await ops.close();
      // The first admin sees it done.
      await page.reload();
      await page.locator(`[data-order="${orderId}"][data-status="done"]`).waitFor();
      assert.equal(await page.locator(`[data-order="${orderId}"]`).getByTestId('order-status').textContent(), 'Выполнена');

      // A number change: pick a free St Petersburg number, then reject the order with a reason.
      const n = nth(desktop ? 62 : 63);
      await page.getByRole('radio', { name: 'Смена номера' }).check();
      await page.getByLabel('Номер', { exact: true }).fill(n);
      await page.getByLabel('Регион нового номера').selectOption('78');
      const pick = page.locator('[data-testid="free-numbers"][data-region="78"]').getByRole('radio').first();
      await pick.waitFor();
      const newMsisdn = (await pick.getAttribute('value'))!;
      assert.match(newMsisdn, /^7921555/);
      await pick.check();
      await page.getByRole('button', { name: 'Создать заявку' }).click();
      await page.getByText('Заявка создана.').waitFor();
      const change = page.getByTestId('order').filter({ hasText: `${phone(n)} → ${phone(newMsisdn)}` }).first();
      await change.waitFor();
      const changeId = (await change.getAttribute('data-order'))!;
      await change.getByRole('button', { name: 'Отклонить' }).click();
      await change.getByLabel('Причина отказа').fill('Сотрудник остаётся на старом номере');
      await change.getByRole('button', { name: 'Отклонить заявку' }).click();
      const rejected = page.locator(`[data-order="${changeId}"][data-status="rejected"]`).filter({ hasText: 'Сотрудник остаётся на старом номере' });
      await rejected.waitFor();
      assert.equal(await rejected.getByTestId('order-status').textContent(), 'Отклонена');
      // The picked number is free again.
      const [pool] = await server.core.db.query<{ status: string }>('SELECT status FROM number_pool WHERE msisdn = $1', [newMsisdn]);
      assert.equal(pool!.status, 'free');
      await expectClean(page, '/business/orders (after changes)', viewport);
    });

    test('the analytics export downloads as XLSX and parses back with exceljs', async () => {
      const now = (await (await page.request.get('/api/v1/business/analytics')).json()) as { previousMonth: string };
      const last = (await (await page.request.get(`/api/v1/business/analytics?month=${now.previousMonth}`)).json()) as { total: number };
      await open(page, '/business/reports', 'Отчёты');
      await page.getByLabel('Месяц', { exact: true }).fill(now.previousMonth);
      await page.getByLabel('Формат').selectOption('xlsx');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
      assert.match(download.suggestedFilename(), /\.xlsx$/);
      const shown = last.total;
      assert.ok(shown > 0);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await readFile((await download.path())!)) as unknown as ArrayBuffer);
      assert.ok(wb.worksheets.length >= 5, `sheets: ${wb.worksheets.map((w) => w.name).join(', ')}`);
      const summary = wb.worksheets[0]!;
      assert.equal(Math.round(Number(summary.getRow(2).getCell(2).value) * 100), shown, "the sheet total is the dashboard's total of that month");
      // Last month's report is listed (the seed makes it) and downloads as PDF.
      const pdfLink = page.getByTestId('reports').getByRole('link', { name: /PDF$/ }).first();
      const [pdf] = await Promise.all([page.waitForEvent('download'), pdfLink.click()]);
      const head = (await readFile((await pdf.path())!)).subarray(0, 5).toString('latin1');
      assert.equal(head, '%PDF-');
    });

    test('the accountant sees money and reports, and no button that changes anything', async () => {
      const { ctx: acc, page: p } = await loggedIn(DEMO.accountant, viewport);
      await p.getByTestId('read-only').waitFor();
      for (const [path, heading] of PAGES) {
        await open(p, path, heading);
        const changing = await p.getByRole('button', { name: CHANGE_BUTTONS }).count();
        assert.equal(changing, 0, `${path}: change buttons shown to the accountant`);
        assert.equal(await p.getByRole('checkbox', { name: /^Выбрать/ }).count(), 0, `${path}: selection shown to the accountant`);
        assert.equal(await p.getByRole('switch').count(), 0, `${path}: switches shown to the accountant`);
        await expectClean(p, `${path} (accountant)`, viewport, path === '/business' ? SHELL : []);
      }
      // The seeded eSIM order is listed, without its activation code or QR image.
      await open(p, '/business/orders', 'Заявки');
      await p.getByTestId('order').filter({ hasText: 'Замена SIM-карты' }).first().waitFor();
      assert.equal(await p.getByTestId('activation-code').count(), 0);
      assert.equal(await p.getByTestId('qr').count(), 0);
      // Money is there: the numbers' spend and the monthly reports.
      await open(p, '/business/reports', 'Отчёты');
      assert.ok(await p.getByTestId('reports').locator('li').count() >= 1);
      await acc.close();
    });

    test("a department manager sees only their department's numbers", async () => {
      const { ctx: mgr, page: p } = await loggedIn(DEMO.departmentManager, viewport);
      await open(p, '/business/numbers', 'Номера');
      const [row] = await server.core.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM subscriber s JOIN department d ON d.id = s.department_id WHERE s.customer_id = $1 AND d.name = 'Продажи'",
        [customerId],
      );
      await p.locator(`[data-testid="numbers-total"][data-total="${row!.n}"]`).waitFor();
      assert.ok(row!.n < 200);
      for (const d of await p.getByTestId('numbers').getByTestId('department').allTextContents()) assert.equal(d, 'Продажи');
      const options = await p.getByLabel('Подразделение').locator('option').allTextContents();
      assert.deepEqual(options, ['Все', 'Продажи']);
      // Monthly reports are company-wide: not for a department manager.
      await open(p, '/business/reports', 'Отчёты');
      assert.equal(await p.getByRole('heading', { name: 'Ежемесячные отчёты' }).count(), 0);
      await expectClean(p, '/business/numbers (department manager)', viewport, SHELL);
      await mgr.close();
    });
  });
}

/** Presses Tab until the focused element matches `selector` (at most `max` presses): keyboard only. */
async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only: log in with the SMS code, select a number, follow the navigation', async () => {
  const ctx = await newContext(browser, server.url, DESKTOP);
  const page = await ctx.newPage();
  await page.goto('/business');
  await page.getByRole('heading', { level: 1, name: 'Вход в бизнес-кабинет' }).waitFor();
  const after = await lastSmsId(DEMO.businessAdmin.phone);
  await tabTo(page, 'input[type="email"]');
  await page.keyboard.type(DEMO.businessAdmin.email);
  await tabTo(page, 'input[type="password"]');
  await page.keyboard.type(DEMO.businessAdmin.password);
  await page.keyboard.press('Enter');
  await page.getByLabel('Код из SMS').waitFor();
  const handle = await page.waitForFunction(
    async ([url, headers]) => {
      const b = (await (await fetch(url, { headers })).json()) as { items: { text: string }[] };
      const m = b.items.map((i) => /Код входа в бизнес-кабинет: (\d+)/.exec(i.text)).find(Boolean);
      return m ? m[1] : false;
    },
    [`${server.url}/api/v1/demo/sms?msisdn=${DEMO.businessAdmin.phone}&afterId=${after}`, outboxHeaders(server.url)] as const,
    { polling: 200, timeout: 10_000 },
  );
  await tabTo(page, 'input[autocomplete="one-time-code"]');
  await page.keyboard.type((await handle.jsonValue()) as string);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Аналитика расходов' }).waitFor();
  await tabTo(page, 'a[href="/business/numbers"]');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Номера' }).waitFor();
  await page.getByText('Загрузка…').first().waitFor({ state: 'detached' });
  await tabTo(page, `input[aria-label="Выбрать ${phone(nth(0))}"]`, 120);
  await page.keyboard.press('Space');
  await page.getByTestId('selected-count').filter({ hasText: 'Выбрано номеров: 1' }).waitFor();
  await ctx.close();
});

test('employee directory: download the CSV, upload a changed name, a bad line is named; English on switch', async () => {
  assert.ok(adminState, 'the desktop run logged the admin in');
  const ctx = await newContext(browser, server.url, DESKTOP, { storageState: adminState });
  const page = await ctx.newPage();
  await open(page, '/business/numbers', 'Номера');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать справочник (CSV)' }).click()]);
  const csv = (await readFile((await download.path())!)).toString('utf8').replace(/^\uFEFF/, '');
  const lines = csv.split(/\r?\n/).filter(Boolean);
  assert.equal(lines.length, 201, 'a header and the 200 numbers');
  const target = nth(7);
  const line = lines.find((l) => l.startsWith(`${phone(target)};`));
  assert.ok(line, `${phone(target)} is in the directory, written as on screen`);
  // Upload one changed line, the number as the download wrote it: the employee's new name, department left as it is.
  await page.getByLabel('Файл справочника CSV').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(`${phone(target)};Новикова Алла\r\n`) });
  await page.getByRole('button', { name: 'Загрузить справочник' }).click();
  await page.getByText(/^Справочник загружен/).waitFor();
  await page.getByLabel('Номер или сотрудник').fill('Новикова Алла');
  await page.getByRole('button', { name: 'Показать' }).click();
  await page.locator('[data-testid="numbers-total"][data-total="1"]').waitFor();
  assert.equal(await page.getByTestId('numbers').locator('li').getAttribute('data-msisdn'), target);
  // A number not of the company: nothing applied, the line named.
  await page.getByLabel('Файл справочника CSV').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${target};Иванова Ирина\r\n79990000000;Чужой\r\n`) });
  await page.getByRole('button', { name: 'Загрузить справочник' }).click();
  await page.getByTestId('directory-errors').getByText(/^Строка 2/).waitFor();
  const [row] = await server.core.db.query<{ employee_name: string }>('SELECT employee_name FROM subscriber WHERE msisdn = $1', [target]);
  assert.equal(row!.employee_name, 'Новикова Алла');
  // English: the same screen, switched.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Numbers', exact: true }).waitFor();
  await page.getByRole('link', { name: 'Expense analytics' }).click();
  await page.getByRole('heading', { level: 1, name: 'Expense analytics' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByRole('button', { name: 'Русский' }).click();
  await ctx.close();
});
