// Social login in real Chromium on a 360×640 phone: the real server (web/dist) and a real OpenID
// Connect provider (oidc-provider, its development login and consent forms) on loopback.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { createCore } from '../../src/runtime.ts';
import { buildServer } from '../../src/server.ts';
import { acceptTermsIfAsked, launchBrowser, newContext, PHONE } from '../helpers/browser.ts';
import { catalogStore, makeSubscriber, quietLog, type TestStore } from '../helpers/core.ts';
import { freePort, startTestProvider, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type TestProvider } from '../helpers/oidc-provider.ts';

const PASSWORD = 'secret-123';
let op: TestProvider;
let store: TestStore;
let core: Core;
let app: FastifyInstance;
let browser: Browser;
let base: string;

before(async () => {
  if (!existsSync(join(import.meta.dirname, '../../web/dist/index.html'))) throw new Error('web/dist is missing: run `npm run build:web`');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  op = await startTestProvider({ redirectUris: [`${base}/api/v1/auth/social/test/callback`] });
  store = await catalogStore();
  const config = loadConfig({
    NODE_ENV: 'test',
    STORE: 'memory',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: base,
    OIDC_PROVIDERS: 'test',
    OIDC_TEST_ISSUER: op.issuer,
    OIDC_TEST_CLIENT_ID: TEST_CLIENT_ID,
    OIDC_TEST_CLIENT_SECRET: TEST_CLIENT_SECRET,
    OIDC_TEST_NAME: 'Test ID',
  } as NodeJS.ProcessEnv);
  core = await createCore(config, { db: store.db, log: quietLog });
  app = await buildServer(core, config);
  await app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await store?.drop();
  await op?.close();
});

/** The provider's development forms: any login, any password, then consent when asked. */
async function signInAtProvider(page: Page, login: string) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  await consent.or(page.locator('#root main')).first().waitFor();
  if (await consent.isVisible()) await consent.click();
}

test('link an account in the settings, log out, log in with it; an unlinked account is told so in words', async () => {
  const s = await makeSubscriber(core);
  await setPasswordHash(core.db, s.subscriberId, await hashPassword(PASSWORD), new Date());
  const ctx = await newContext(browser, base, PHONE);
  // The provider's development pages ask for a web font; nothing may leave the machine, and our
  // own pages must not even ask.
  await ctx.route((u) => u.hostname !== '127.0.0.1', (r) => r.abort());
  const page = await ctx.newPage();
  const elsewhere: string[] = [];
  const seen: string[] = [];
  page.on('request', (r) => {
    seen.push(r.url());
    if (new URL(r.url()).hostname !== '127.0.0.1' && r.frame().url().startsWith(base)) elsewhere.push(r.url());
  });

  await page.goto('/');
  await page.getByRole('button', { name: 'Войти через Test ID' }).waitFor();
  await page.getByLabel('Номер телефона').fill(s.msisdn);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await acceptTermsIfAsked(page);

  await page.goto('/settings');
  await page.getByRole('button', { name: 'Привязать Test ID' }).click();
  const linkForm = page.locator('form').filter({ has: page.getByLabel('Пароль от личного кабинета') });
  // A wrong password is refused in the form, right above its button, in the form's words.
  await page.getByLabel('Пароль от личного кабинета').fill(`${PASSWORD}x`);
  await linkForm.getByRole('button', { name: 'Привязать Test ID' }).click();
  const refusal = linkForm.getByRole('alert');
  await refusal.getByText('Текущий пароль неверен').waitFor();
  assert.equal(await page.getByRole('alert').count(), 1, 'only in the form');
  const [box, button] = await Promise.all([refusal.boundingBox(), linkForm.getByRole('button', { name: 'Привязать Test ID' }).boundingBox()]);
  assert.ok(box && button && button.y - (box.y + box.height) < 48 && button.y > box.y, 'right above the button');
  await page.getByLabel('Пароль от личного кабинета').fill(PASSWORD);
  await linkForm.getByRole('button', { name: 'Привязать Test ID' }).click();
  await page.waitForURL((u) => u.origin === op.issuer);
  await signInAtProvider(page, 'zoe');
  await page.waitForURL((u) => u.origin === base && u.pathname === '/settings').catch((e: unknown) => {
    throw new Error(`still at ${page.url()}`, { cause: e });
  });
  await page.getByText('Учётная запись привязана. Теперь можно входить через неё.').waitFor();
  await page.getByTestId('social-link').filter({ hasText: 'Test ID' }).waitFor();
  // Unlinking asks in the app's dialog, which opens on Cancel; Esc gives focus back to the button.
  const unlink = page.getByRole('button', { name: 'Отвязать: Test ID' });
  await unlink.click();
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Отмена', 'opens on Cancel');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.ok(await unlink.evaluate((el) => el === document.activeElement), 'focus is back on "Отвязать"');

  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  const authorizations = () => seen.filter((u) => u.startsWith(`${op.issuer}/auth?`)).length;
  assert.equal(authorizations(), 1, 'the link went through the provider');
  await page.getByRole('button', { name: 'Войти через Test ID' }).click();
  // The provider may remember the person from the link: its forms appear only when it does not.
  const providerLogin = page.locator('input[name=login]');
  await providerLogin.or(page.getByTestId('balance')).or(page.getByRole('button', { name: 'Принимаю условия' })).first().waitFor();
  if (await providerLogin.isVisible()) await signInAtProvider(page, 'zoe');
  await acceptTermsIfAsked(page);
  assert.equal(authorizations(), 2, 'the login went through the provider');
  assert.equal(page.url(), `${base}/`);
  const me = await page.evaluate(async () => (await fetch('/api/v1/auth/whoami')).json() as Promise<{ kind: string; subscriberId?: number }>);
  assert.equal(me.subscriberId, s.subscriberId);

  // Another browser, an account linked to no number.
  const otherCtx = await newContext(browser, base, PHONE);
  await otherCtx.route((u) => u.hostname !== '127.0.0.1', (r) => r.abort());
  const other = await otherCtx.newPage();
  await other.goto('/');
  await other.getByRole('button', { name: 'Войти через Test ID' }).click();
  await other.waitForURL((u) => u.origin === op.issuer);
  await signInAtProvider(other, 'nobody');
  await other.getByTestId('social-error').filter({ hasText: 'Эта учётная запись соцсети не привязана ни к одному номеру' }).waitFor();
  assert.equal(new URL(other.url()).search, '', 'the error code is taken out of the address');
  assert.deepEqual(elsewhere, [], 'our pages ask for nothing off the machine');
  await otherCtx.close();
  await ctx.close();
});
