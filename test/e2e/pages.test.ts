// Every page of the web app on a 360×640 phone and a desktop: tap targets, horizontal overflow,
// text size and axe-core (zero serious or critical violations). Real Chromium, real server.
// A page's markup is the same component at both widths (only the shell's navigation changes, by
// CSS: a side menu or a bottom bar), so the full axe pass runs once per page, on the desktop; on
// the phone axe looks at the shell (header and navigation) of the first page of each role.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { acceptTermsIfAsked, checkPage, waitForSms, DESKTOP, newContext, PHONE, webSuite } from '../helpers/browser.ts';

const SUBSCRIBER_PAGES: [string, string][] = [
  ['/', 'Главная'],
  ['/services', 'Услуги'],
  ['/tariffs', 'Тарифы'],
  ['/payments', 'Платежи'],
  ['/bonuses', 'Бонусы'],
  ['/sharing', 'Поделиться'],
  ['/spending-changes', 'Изменения расходов'],
  ['/family', 'Семья'],
  ['/detail', 'Детализация'],
  ['/bills', 'Счета'],
  ['/history', 'История действий'],
  ['/support', 'Поддержка'],
  ['/settings', 'Настройки'],
  ['/more', 'Ещё'],
  ['/phone', 'Симулятор телефона'],
  ['/terms', 'Условия использования'],
];

const web = webSuite();

async function expectClean(page: Page, path: string, viewport: string, tapTargets: boolean, axe?: string[]) {
  const r = await checkPage(page, { axe });
  assert.deepEqual(r.serious, [], `${viewport} ${path}: axe serious/critical violations`);
  assert.ok(r.overflow <= 0, `${viewport} ${path}: scrolls horizontally by ${r.overflow}px`);
  if (tapTargets) {
    assert.deepEqual(r.small, [], `${viewport} ${path}: interactive elements under 48×48`);
    assert.deepEqual(r.smallText, [], `${viewport} ${path}: text under 16px`);
  }
}

test('the page checks catch what they look for', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await page.setContent('<html lang="en"><title>t</title><body style="margin:0"><main><h1>t</h1><button style="width:20px;height:20px;font-size:12px">x</button><button></button><div style="width:500px">wide</div></main></body></html>');
  const r = await checkPage(page);
  assert.ok(r.small.some((s) => s.startsWith('button "x" 20×20')), r.small.join('; '));
  assert.ok(r.overflow > 0);
  assert.ok(r.smallText.some((s) => s.includes('12px')));
  assert.ok(r.serious.some((s) => s.startsWith('button-name')), r.serious.join('; '));
  await ctx.close();
});

for (const [name, viewport] of [
  ['phone 360×640', PHONE],
  ['desktop 1280×800', DESKTOP],
] as const) {
  describe(`every page on ${name}`, () => {
    test('login page (anonymous) and the subscriber pages', async () => {
      const ctx = await newContext(web.browser, web.server.url, viewport);
      const page = await ctx.newPage();
      await page.goto('/');
      await page.getByRole('heading', { name: 'Вход в личный кабинет' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Проверяем' }).waitFor({ state: 'detached' });
      // The server runs in demo mode (whoami says so): the login page offers the phone simulator.
      await page.getByRole('link', { name: 'Симулятор телефона' }).waitFor();
      await expectClean(page, '/login', name, viewport === PHONE, viewport === PHONE ? [] : undefined);

      await page.getByLabel('Номер телефона').fill(DEMO.subscriber.msisdn);
      await page.getByLabel('Пароль').fill(DEMO.subscriber.password);
      await page.getByRole('button', { name: 'Войти' }).click();
      // The demo seed publishes terms the subscriber has not accepted: the app asks first.
      await acceptTermsIfAsked(page);
      for (const [path, heading] of SUBSCRIBER_PAGES) {
        await page.goto(path);
        await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
        // Wait for the page's data, not for time: no loading indicator left.
        await page.getByText('Загрузка…').first().waitFor({ state: 'detached' });
        await expectClean(page, path, name, viewport === PHONE, viewport === PHONE ? (path === '/' ? ['header', 'nav'] : []) : undefined);
      }
      await ctx.close();
    });

    test('operator staff view: the queue, a reply that reaches the subscriber, audit search', async () => {
      // A subscriber's question through the API, as the app would send it.
      const login = (await (await fetch(`${web.server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.subscriber) })).json()) as { token: string };
      const subject = `Вопрос ${viewport.width}`;
      const made = await fetch(`${web.server.url}/api/v1/subscribers/me/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
        body: JSON.stringify({ kind: 'question', subject, text: 'Когда спишется абонентская плата?' }),
      });
      assert.equal(made.status, 201);
      const { id } = (await made.json()) as { id: string };
      const ctx = await newContext(web.browser, web.server.url, viewport);
      const page = await ctx.newPage();
      await page.goto('/');
      await page.getByRole('button', { name: 'Вход для сотрудников' }).click();
      await page.getByLabel('Электронная почта').fill(DEMO.staff.email);
      await page.getByLabel('Пароль').fill(DEMO.staff.password);
      await page.getByRole('button', { name: 'Войти' }).click();
      await page.getByRole('heading', { level: 1, name: 'Сотрудник оператора' }).waitFor();
      await page.getByText('Загрузка…').first().waitFor({ state: 'detached' });
      const ticket = page.getByTestId('queue').locator('details').filter({ hasText: subject });
      await ticket.locator('summary').click();
      await ticket.getByRole('textbox', { name: 'Ответить' }).fill('Первого числа каждого месяца.');
      await ticket.getByRole('switch', { name: 'Ответить и закрыть' }).click();
      await ticket.getByRole('button', { name: 'Отправить' }).click();
      await ticket.waitFor({ state: 'detached' });
      await waitForSms(page, web.server.url, DEMO.subscriber.msisdn, new RegExp(`(Поддержка ответила на обращение №${id})\\D`));
      await page.getByRole('button', { name: 'закрыто' }).click();
      await page.getByTestId('queue').locator('details').filter({ hasText: subject }).waitFor();
      await page.getByLabel('Номер', { exact: true }).fill(DEMO.subscriber.msisdn);
      await page.getByRole('button', { name: 'Найти' }).click();
      // Staff read the audit in words: a login is "Вход", its channel named, never its code.
      const loginRow = page.getByTestId('audit').locator('[data-action="auth.login"]').first();
      await loginRow.waitFor();
      assert.match((await loginRow.textContent()) ?? '', /^Вход.*Канал: (веб|приложение)/);
      assert.doesNotMatch((await page.getByTestId('audit').textContent()) ?? '', /auth\.|[a-z]+_[a-z]+\b|\b(ok|refused|failed)\b/);
      // The number pool: a range added for St Petersburg shows in its counts.
      const pool = page.getByTestId('pool').locator('[data-region="78"]');
      const freeBefore = Number(/(\d+) свободно/.exec((await pool.getByTestId('pool-counts').textContent()) ?? '')?.[1] ?? 'NaN');
      await page.getByLabel('Регион (код)').fill('78');
      await page.getByLabel('Начало диапазона').fill(`7921440${String(viewport.width).padStart(4, '0')}`);
      await page.getByLabel('Количество').fill('5');
      await page.getByRole('button', { name: 'Добавить диапазон' }).click();
      await page.getByText(/Добавлено номеров: 5/).waitFor();
      await pool.getByText(new RegExp(`^${freeBefore + 5} свободно`)).waitFor();
      await expectClean(page, '/staff', name, viewport === PHONE, viewport === PHONE ? ['header', 'nav'] : undefined);
      await ctx.close();
    });
  });
}
