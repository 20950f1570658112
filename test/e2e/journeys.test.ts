// What a subscriber does in the web app, as a person would, in real Chromium against the real
// server: on a desktop and on a 360×640 phone. Every step goes through the UI; the server's own
// demo outbox stands in for the handset's SMS inbox.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { acceptTermsIfAsked, DESKTOP, newContext, PHONE, waitForSms, webSuite } from '../helpers/browser.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { makeSubscriber } from '../helpers/core.ts';

const web = webSuite();

/** "1 000 ₽", "997,50 ₽", "−12 ₽" as kopecks. */
function kopecks(text: string): number {
  const negative = /[-−]/.test(text);
  const [rub, kop = '0'] = text.replace(/[^\d,]/g, '').split(',');
  const v = Number(rub) * 100 + Number(kop.padEnd(2, '0'));
  return negative ? -v : v;
}

async function balanceOnHome(page: Page): Promise<number> {
  await page.goto('/');
  return kopecks((await page.getByTestId('balance').textContent()) ?? '');
}

for (const [name, viewport] of [
  ['desktop 1280×800', DESKTOP],
  ['phone 360×640', PHONE],
] as const) {
  const desktop = viewport === DESKTOP;
  describe(`journeys on ${name}`, () => {
    let msisdn: string;
    let ctx: BrowserContext;
    let page: Page;

    before(async () => {
      msisdn = (await makeSubscriber(web.server.core, { openingBalance: 100_000 })).msisdn;
      ctx = await newContext(web.browser, web.server.url, viewport);
      page = await ctx.newPage();
    });
    after(async () => {
      await ctx?.close();
    });

    test('log in with a password received by SMS', async () => {
      await page.goto('/');
      await page.getByLabel('Номер телефона').fill(`+${msisdn}`);
      await page.getByRole('button', { name: 'Получить пароль по SMS' }).click();
      await page.getByText('Новый пароль отправлен в SMS.').waitFor();
      const password = await waitForSms(page, web.server.url, msisdn, /пароль для входа в личный кабинет: (\w+)/);
      assert.match(password, /^\w{8,}$/);
      await page.getByLabel('Пароль').fill(`${password}x`);
      await page.getByRole('button', { name: 'Войти' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('Пароль').fill(password);
      await page.getByRole('button', { name: 'Войти' }).click();
      await acceptTermsIfAsked(page);
      assert.equal(kopecks((await page.getByTestId('balance').textContent()) ?? ''), 100_000);
    });

    // The login form is the same markup at both widths: the second way in is tried once, on the desktop.
    if (desktop) test('log in with an SMS code', async () => {
      const other = await newContext(web.browser, web.server.url, viewport);
      const p = await other.newPage();
      await p.goto('/');
      await p.getByRole('button', { name: 'По SMS-коду' }).click();
      await p.getByLabel('Номер телефона').fill(msisdn);
      await p.getByRole('button', { name: 'Получить код' }).click();
      await p.getByLabel('Код из SMS').waitFor();
      const code = await waitForSms(p, web.server.url, msisdn, /Код для входа: (\d+)/);
      await p.getByLabel('Код из SMS').fill(code);
      await p.getByRole('button', { name: 'Войти' }).click();
      await acceptTermsIfAsked(p);
      await other.close();
    });

    test('connect an option and disable it; the balance shows the charge', async () => {
      const before = await balanceOnHome(page);
      await page.goto('/services');
      const item = page.getByTestId('available').getByRole('listitem').filter({ hasText: 'Интернет Плюс' });
      await item.getByRole('button', { name: 'Подключить' }).click();
      const dialog = page.getByRole('dialog');
      const text = (await dialog.textContent()) ?? '';
      const charge = kopecks(/спишется ([^,]+),/.exec(text)?.[1] ?? '');
      assert.ok(charge > 0, `the confirmation names the charge: ${text}`);
      await dialog.getByRole('button', { name: 'Подтвердить' }).click();
      const connected = page.getByTestId('connected').getByRole('listitem').filter({ hasText: 'Интернет Плюс' });
      await connected.waitFor();
      assert.equal(await balanceOnHome(page), before - charge);

      await page.goto('/services');
      await page.getByTestId('connected').getByRole('listitem').filter({ hasText: 'Интернет Плюс' }).getByRole('button', { name: 'Отключить' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Подтвердить' }).click();
      await page.getByTestId('available').getByRole('listitem').filter({ hasText: 'Интернет Плюс' }).waitFor();
      assert.equal(await page.getByTestId('connected').getByText('Интернет Плюс').count(), 0);
    });

    test('prices are the API\'s statements: a one-off product is stated once, the promised payment\'s fee is a commission', async () => {
      await page.goto('/services');
      const turbo = page.getByTestId('available').getByRole('listitem').filter({ hasText: 'Турбо-кнопка' });
      assert.match((await turbo.getByTestId('price').textContent()) ?? '', /^100\s₽ разово$/);
      await page.goto('/payments');
      const paid = page.locator('li[data-amount]:not([data-fee="0"])').first();
      assert.match((await paid.textContent()) ?? '', /комиссия \d+\s₽/);
      assert.doesNotMatch((await paid.textContent()) ?? '', /Абонентская плата/);
    });

    test('top up through the sandbox provider page', async () => {
      const before = await balanceOnHome(page);
      await page.goto('/payments');
      await page.getByLabel('Сумма, ₽').fill('250,50');
      await page.getByRole('button', { name: 'Оплатить', exact: true }).click();
      await page.waitForURL(/\/sandbox\/pay\//);
      await page.getByRole('button', { name: 'Оплатить / Pay' }).click();
      await page.waitForURL(/\/payments\?payment=succeeded/);
      await page.getByTestId('payment-result').filter({ hasText: 'зачислен' }).waitFor();
      assert.equal(await balanceOnHome(page), before + 25_050);
    });

    test('a card saved when paying carries auto-payment; switched off, the page says so', async () => {
      await page.goto('/payments');
      const topUp = page.getByRole('region', { name: 'Пополнить' });
      await topUp.getByLabel('Сумма, ₽').fill('100');
      await topUp.getByRole('switch', { name: 'Запомнить карту' }).click();
      await topUp.getByRole('button', { name: 'Оплатить', exact: true }).click();
      await page.waitForURL(/\/sandbox\/pay\//);
      await page.getByRole('button', { name: 'Оплатить / Pay' }).click();
      await page.waitForURL(/\/payments\?payment=succeeded/);
      await page.getByRole('region', { name: 'Сохранённые карты' }).getByText('•••• 4242').waitFor();

      const auto = page.getByRole('region', { name: 'Автоплатёж' });
      await auto.getByLabel('Пополнять, когда баланс ниже, ₽').fill('150');
      await auto.getByLabel('Сумма, ₽').fill('300');
      await auto.getByRole('button', { name: 'Сохранить' }).click();
      assert.match((await page.getByTestId('autopay-on').textContent()) ?? '', /^Автоплатёж включён: когда на балансе меньше 150\s₽, пополним на 300\s₽$/);
      await auto.getByRole('button', { name: 'Выключить автоплатёж' }).click();
      // Switched off, the settings stay on the server (enabled: false): the form is offered again.
      await auto.getByRole('button', { name: 'Сохранить' }).waitFor();
      assert.equal(await page.getByTestId('autopay-on').count(), 0);
    });

    test('take a promised payment', async () => {
      const before = await balanceOnHome(page);
      await page.goto('/payments');
      const option = page.locator('li[data-amount]').first();
      const amount = Number(await option.getAttribute('data-amount'));
      const fee = Number(await option.getAttribute('data-fee'));
      await option.getByRole('button').click();
      await page.getByRole('dialog').getByRole('button', { name: 'Подтвердить' }).click();
      await page.getByTestId('promised-active').waitFor();
      assert.equal(await balanceOnHome(page), before + amount - fee);
      await page.getByTestId('alerts').getByText('Обещанный платёж нужно погасить до').waitFor();
    });

    test('usage record by record, filtered by kind', async () => {
      const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
      const res = await ingestUsage(web.server.core, systemCtx('e2e'), [
        { recordId: `e2e-call-${msisdn}`, msisdn, kind: 'voice', zone: 'home', startedAt: at(90), durationSeconds: 125, counterpart: '79005550101' },
        { recordId: `e2e-data-${msisdn}`, msisdn, kind: 'data', zone: 'home', startedAt: at(60), bytes: 3 * 1024 ** 2 },
      ]);
      assert.equal(res.accepted, 2);
      await page.goto('/detail');
      const list = page.getByTestId('usage-records');
      await list.getByRole('listitem').nth(1).waitFor();
      assert.equal(await list.getByRole('listitem').count(), 2);
      assert.equal(await list.getByRole('listitem').first().getAttribute('data-kind'), 'data', 'newest first');
      await list.getByText('Звонок · 2:05 · +7 900 555-01-01').waitFor();
      await page.getByTestId('usage-kind').selectOption('voice');
      await list.locator('li[data-kind="data"]').waitFor({ state: 'detached' });
      assert.equal(await list.getByRole('listitem').count(), 1);
    });

    test('order a detail report and download it', async () => {
      await page.goto('/detail');
      await page.getByLabel('Формат').selectOption('csv');
      await page.getByRole('button', { name: 'Заказать' }).click();
      const row = page.getByTestId('reports').getByRole('listitem').first();
      // The server's report job makes the file; the page looks again until it is ready.
      const link = row.getByRole('link', { name: 'Скачать CSV' });
      await link.waitFor({ timeout: 20_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      const csv = await readFile((await download.path())!, 'utf8');
      assert.match(download.suggestedFilename(), /\.csv$/);
      assert.ok(csv.includes(msisdn) || /Дата|Date/.test(csv), 'the CSV is the detail report');
      await waitForSms(page, web.server.url, msisdn, /(Детализация за .+ готова)/);
    });

    test('submit feedback and see the ticket', async () => {
      await page.goto('/support');
      const form = page.getByRole('region', { name: 'Обратная связь' });
      await form.getByRole('combobox', { name: 'Тип обращения' }).selectOption('wish');
      await form.getByRole('textbox', { name: 'Тема', exact: true }).fill(`Тёмная тема ${viewport.width}`);
      await form.getByRole('textbox', { name: 'Текст', exact: true }).fill('Хочу тёмную тему в приложении.');
      await form.getByRole('button', { name: 'Отправить' }).click();
      await page.getByText('Обращение создано.').waitFor();
      const ticket = page.getByTestId('tickets').locator('details').filter({ hasText: `Тёмная тема ${viewport.width}` });
      await ticket.waitFor();
      assert.match((await ticket.getByTestId('ticket-status').textContent()) ?? '', /открыто/);
    });

    test('switch the language to English; it is remembered', async () => {
      await page.goto('/settings');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      await page.goto('/');
      await page.getByRole('heading', { level: 2, name: 'Balance' }).waitFor();
    });

    // Measured on the phone, the app's first screen.
    if (!desktop) test('home page: time from navigation to the balance on screen (reported, not asserted)', async () => {
      await page.goto('/');
      await page.getByTestId('balance').waitFor();
      const ms = [];
      for (let i = 0; i < 3; i++) {
        await page.reload();
        await page.getByTestId('balance').waitFor();
        ms.push(await page.evaluate(() => performance.now()));
      }
      const best = Math.min(...ms);
      console.log(`web: home page interactive (navigation start → balance visible) on ${name}: ${Math.round(best)} ms (best of 3; ${ms.map(Math.round).join(', ')})`);
      assert.ok(best > 0);
    });
  });
}
