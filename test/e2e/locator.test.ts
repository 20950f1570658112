// The friend locator page in real Chromium on a 360×640 phone: the map is drawn offline (SVG from
// the answer, no tiles), nothing is asked of another machine, and the page passes the page checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { setChildNumber } from '../../src/domain/locator/consent.ts';
import { formatMsisdn } from '../../src/domain/shared/msisdn.ts';
import { acceptTermsIfAsked, checkPage, newContext, PHONE, webSuite } from '../helpers/browser.ts';
import { makeSubscriber, subscriberCtx } from '../helpers/core.ts';

const web = webSuite();

test('a parent locates a child number: the area on the offline map, the words, the child sees who located it', async () => {
  const core = web.server.core;
  const parent = await makeSubscriber(core, { msisdn: '79557000001' });
  const child = await makeSubscriber(core, { msisdn: '79557000002', customerId: parent.customerId, regionCode: '78' });
  await setPasswordHash(core.db, parent.subscriberId, await hashPassword('secret-123'), new Date());
  await setPasswordHash(core.db, child.subscriberId, await hashPassword('secret-123'), new Date());
  await setChildNumber(core, subscriberCtx(parent.subscriberId), { msisdn: 'me', child: child.msisdn, on: true });

  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const elsewhere: string[] = [];
  ctx.on('request', (r) => {
    if (new URL(r.url()).hostname !== '127.0.0.1') elsewhere.push(r.url());
  });
  const page = await ctx.newPage();
  await page.goto('/');
  await page.getByLabel('Номер телефона').fill(parent.msisdn);
  await page.getByLabel('Пароль').fill('secret-123');
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await acceptTermsIfAsked(page);
  await page.goto('/more');
  await page.getByRole('link', { name: 'Где друзья' }).click();
  await page.getByRole('heading', { name: 'Где друзья', level: 1 }).waitFor();
  await page.getByRole('button', { name: `Показать на карте: ${formatMsisdn(child.msisdn)}` }).click();
  const words = await page.getByTestId('locator-words').textContent();
  assert.match(words ?? '', new RegExp(`^\\${formatMsisdn(child.msisdn)}: .*(Санкт-Петербург|Пушкин|Колпино).*в пределах`));
  const map = page.getByTestId('locator-map');
  await map.waitFor();
  assert.equal(await map.getAttribute('aria-label'), words);
  const box = await page.getByTestId('locator-area').boundingBox();
  assert.ok(box && box.width > 10 && box.height > 10, 'the area is drawn');
  const mapBox = await map.boundingBox();
  assert.ok(mapBox && mapBox.width <= 360, 'the map fits the phone');
  const r = await checkPage(page);
  assert.deepEqual(r.serious, []);
  assert.ok(r.overflow <= 0, `scrolls by ${r.overflow}px`);
  assert.deepEqual(elsewhere, [], 'no request leaves the machine');
  await ctx.close();

  const cctx = await newContext(web.browser, web.server.url, PHONE);
  const cpage = await cctx.newPage();
  await cpage.goto('/');
  await cpage.getByLabel('Номер телефона').fill(child.msisdn);
  await cpage.getByLabel('Пароль').fill('secret-123');
  await cpage.getByRole('button', { name: 'Войти', exact: true }).click();
  await acceptTermsIfAsked(cpage);
  await cpage.goto('/locator');
  await cpage.getByTestId('located-by').getByText(formatMsisdn(parent.msisdn)).waitFor();
  await cpage.getByText(`${formatMsisdn(parent.msisdn)} · разрешено · детский номер`).waitFor();
  assert.equal(await cpage.getByRole('button', { name: `Отозвать: ${formatMsisdn(parent.msisdn)}` }).count(), 0, 'a child cannot revoke');
  await cctx.close();
});
