// The phone simulator against the real USSD and SMS gateways, the installable app (manifest,
// icons, service worker offline with the last known balance), the widget token in Settings, and
// logging in with the keyboard alone. Real Chromium, real server.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { acceptTermsIfAsked, logInAsDemoSubscriber, newContext, PHONE, webSuite } from '../helpers/browser.ts';

const web = webSuite();

test('phone simulator: USSD menu pages with their length and alphabet, SMS to 8111 with the reply, voice only if the server has it', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await page.goto('/phone');
  await page.getByRole('heading', { level: 1, name: 'Симулятор телефона' }).waitFor();
  const number = page.getByRole('combobox', { name: 'Номер' });
  assert.equal(await number.inputValue(), DEMO.subscriber.msisdn);

  for (const key of ['*', '1', '1', '1', '#']) await page.locator('.keypad').getByRole('button', { name: key, exact: true }).click();
  await page.getByRole('button', { name: 'Вызов', exact: true }).click();
  const screen = page.getByTestId('ussd-screen');
  await screen.getByText('Баланс').waitFor();
  const menu = (await screen.locator('pre').textContent()) ?? '';
  // The length shown is the gateway's page as it would travel: Cyrillic needs UCS-2. The word
  // agrees with the number (52 символа, 55 символов, 61 символ).
  const n = [...menu].length;
  const word = { one: 'символ', few: 'символа', many: 'символов' }[new Intl.PluralRules('ru').select(n) as 'one' | 'few' | 'many'] ?? 'символа';
  await screen.getByText(`${n} ${word} · алфавит UCS-2`).waitFor();
  const item = /(\d+) Баланс/.exec(menu)?.[1];
  assert.ok(item, menu);
  await page.getByRole('textbox', { name: 'Ответ' }).fill(item);
  await page.getByRole('button', { name: 'Отправить' }).click();
  await screen.getByText(/₽/).waitFor();

  await page.getByRole('button', { name: 'SMS', exact: true }).click();
  await page.getByRole('textbox', { name: 'Короткий номер' }).fill('8111');
  await page.getByRole('textbox', { name: 'Текст' }).fill('БАЛАНС');
  await page.getByRole('button', { name: 'Отправить' }).click();
  const inbox = page.getByTestId('sms-inbox');
  await inbox.getByText('БАЛАНС', { exact: true }).waitFor();
  await inbox
    .getByText(/^Баланс \S+\s₽/)
    .waitFor()
    .catch(async (e: unknown) => {
      throw new Error(`${String(e)}\ninbox: ${await inbox.innerText()}`);
    });

  const caps = (await (await fetch(`${web.server.url}/phone/api/capabilities`)).json()) as { voice: boolean };
  await page.getByRole('button', { name: 'Звонок 111' }).click();
  if (!caps.voice) await page.getByText('Голосовой портал на этом сервере ещё не подключён.').waitFor();
  await ctx.close();
});

test('installable: manifest with 192 and 512 px icons; offline the app shell opens and shows the last known balance with its time', async () => {
  const manifest = (await (await fetch(`${web.server.url}/manifest.webmanifest`)).json()) as { start_url: string; display: string; icons: { src: string; sizes: string }[] };
  assert.equal(manifest.display, 'standalone');
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size);
    assert.ok(icon, size);
    const res = await fetch(`${web.server.url}${icon.src}`);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const png = Buffer.from(await res.arrayBuffer());
    assert.equal(png.readUInt32BE(16), Number(size.split('x')[0]));
  }

  // A Russian browser: a first visit opens in the browser's language.
  const ctx = await web.browser.newContext({ baseURL: web.server.url, viewport: PHONE, serviceWorkers: 'allow', locale: 'ru-RU' });
  ctx.setDefaultTimeout(15_000);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  const balance = (await page.getByTestId('balance').textContent()) ?? '';
  assert.match(balance, /₽/);
  // The worker has cached the shell once it is active.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  await ctx.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Нет сети' }).waitFor();
  assert.equal(await page.getByTestId('offline-balance').textContent(), balance);
  await page.getByText(/^на \d/).waitFor();
  await ctx.setOffline(false);
  await ctx.close();
});

test('widget: a read-only token made in Settings shows the card and can be revoked', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/settings');
  await page.getByRole('textbox', { name: 'Название' }).fill('Мой сайт');
  await page.getByRole('button', { name: 'Создать виджет' }).click();
  const created = page.getByTestId('widget-created');
  const token = await created.getByRole('textbox', { name: 'Ключ (показывается один раз)' }).inputValue();
  assert.ok(token.length >= 16);
  assert.match(await created.getByRole('textbox', { name: 'script' }).inputValue(), /widget\.js/);
  const card = page.frameLocator('iframe.widget-preview');
  await card.getByText(/₽/).first().waitFor();

  await page.getByRole('button', { name: 'Отозвать: Мой сайт' }).click();
  await page.getByText('отозван').waitFor();
  const res = await fetch(`${web.server.url}/widget/card?token=${encodeURIComponent(token)}`);
  assert.equal(res.status, 404);
  await ctx.close();
});

test('keyboard only: log in and reach a page from the menu without a pointer', async () => {
  const ctx = await newContext(web.browser, web.server.url, { width: 1280, height: 800 });
  const page = await ctx.newPage();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Вход в личный кабинет' }).waitFor();
  // Tab until the phone field has focus, then type; Enter submits the form.
  for (let i = 0; i < 10 && !(await page.getByLabel('Номер телефона').evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await page.keyboard.type(DEMO.subscriber.msisdn);
  await page.keyboard.press('Tab');
  await page.keyboard.type(DEMO.subscriber.password);
  await page.keyboard.press('Enter');
  await acceptTermsIfAsked(page);
  const services = page.getByRole('navigation').getByRole('link', { name: 'Услуги' }).first();
  for (let i = 0; i < 20 && !(await services.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Услуги' }).waitFor();
  await ctx.close();
});

/**
 * The operator's mobile-data proxy: forwards every request to the server from 127.0.0.2 (one of
 * the test config's TRUSTED_PROXIES) and adds the subscriber's number in the X-MSISDN header.
 */
function enrichingProxy(target: string, msisdn: string): Promise<Server> {
  const to = new URL(target);
  const proxy = createServer((req, res) => {
    const up = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { ...req.headers, 'x-msisdn': msisdn }, localAddress: '127.0.0.2' },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

test('on the operator\'s mobile data the app logs in without a password (header enrichment from a trusted proxy)', async () => {
  const proxy = await enrichingProxy(web.server.url, DEMO.subscriber.msisdn);
  try {
    const ctx = await web.browser.newContext({ baseURL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, viewport: PHONE, serviceWorkers: 'block', locale: 'ru-RU' });
    ctx.setDefaultTimeout(15_000);
    const page = await ctx.newPage();
    await page.goto('/');
    await acceptTermsIfAsked(page);
    await page.getByText('+7 900 123-45-67').waitFor();
    await ctx.close();
    // Straight to the server (not through the proxy) the same request is refused.
    const direct = await fetch(`${web.server.url}/api/v1/auth/network`, { method: 'POST', headers: { 'x-msisdn': DEMO.subscriber.msisdn } });
    assert.equal(direct.status, 401);
  } finally {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  }
});

