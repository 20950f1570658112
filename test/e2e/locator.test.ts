// The pages under "More" that came with the seed's last features, in real Chromium on a 360×640
// phone: the friend locator (the map drawn offline — SVG from the answer, no tiles — nothing asked
// of another machine) and ringback tones (previews the browser decodes, a melody bought); each
// page passes the page checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { setChildNumber } from '../../src/domain/locator/consent.ts';
import { buyMelody } from '../../src/domain/ringback/buy-melody.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { formatMsisdn } from '../../src/domain/shared/msisdn.ts';
import { acceptTermsIfAsked, checkPage, newContext, PHONE, webSuite } from '../helpers/browser.ts';
import { makeSubscriber, subscriberCtx } from '../helpers/core.ts';

const web = webSuite();

/** The dialog opens on Cancel; Esc closes it and gives focus back to the button that opened it. */
async function escGivesFocusBack(page: Page, opener: Locator): Promise<void> {
  await opener.click();
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Отмена', 'opens on Cancel');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((el) => el === document.activeElement), 'focus is back on the opener');
}

test('a parent locates a child number: the area on the offline map, the words, the child sees who located it', async () => {
  const core = web.server.core;
  const parent = await makeSubscriber(core, { msisdn: '79557000001' });
  const child = await makeSubscriber(core, { msisdn: '79557000002', customerId: parent.customerId, regionCode: '78' });
  await setPasswordHash(core.db, parent.subscriberId, await hashPassword('secret-123'), new Date());
  await setPasswordHash(core.db, child.subscriberId, await hashPassword('secret-123'), new Date());
  await setChildNumber(core, subscriberCtx(parent.subscriberId), { msisdn: 'me', child: child.msisdn, on: true });

  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const elsewhere: string[] = [];
  const outlines: string[] = [];
  ctx.on('request', (r) => {
    if (new URL(r.url()).hostname !== '127.0.0.1') elsewhere.push(r.url());
    if (r.url().includes('region-outlines')) outlines.push(r.url());
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
  // The price of a request is stated before asking, and a paid request is confirmed with it.
  assert.equal((await page.getByTestId('locator-price').textContent())?.replace(/\s/g, ' '), 'Каждый запрос: 5 ₽ разово');
  await page.getByRole('button', { name: `Показать на карте: ${formatMsisdn(child.msisdn)}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(`Показать, где ${formatMsisdn(child.msisdn)}? 5\u00a0₽ разово`).waitFor();
  assert.deepEqual(outlines, [], 'the outlines are loaded by the map alone');
  await dialog.getByRole('button', { name: 'Подтвердить' }).click();
  const words = await page.getByTestId('locator-words').textContent();
  assert.match(words ?? '', new RegExp(`^\\${formatMsisdn(child.msisdn)}: .*(Санкт-Петербург|Пушкин|Колпино).*в пределах`));
  const map = page.getByTestId('locator-map');
  await map.waitFor();
  assert.equal(await map.getAttribute('aria-label'), words);
  const box = await page.getByTestId('locator-area').boundingBox();
  assert.ok(box && box.width > 10 && box.height > 10, 'the area is drawn');
  const mapBox = await map.boundingBox();
  assert.ok(mapBox && mapBox.width <= 360, 'the map fits the phone');
  // The packaged outline of the region drawn under the area, within the map's view.
  const outline = page.locator('[data-testid="region-outline"][data-region="RU-SPE"]');
  await outline.waitFor();
  const o = await outline.boundingBox();
  assert.ok(o && o.x < mapBox.x + mapBox.width && o.x + o.width > mapBox.x && o.y < mapBox.y + mapBox.height && o.y + o.height > mapBox.y, 'the outline is in view');
  // The inset: the whole region of the fix, inside the map.
  const inset = await page.locator('[data-testid="inset-outline"][data-region="RU-SPE"]').boundingBox();
  assert.ok(inset && inset.width > 5 && inset.x >= mapBox.x && inset.y >= mapBox.y && inset.x + inset.width <= mapBox.x + mapBox.width && inset.y + inset.height <= mapBox.y + mapBox.height, 'the inset is inside the map');
  assert.equal(outlines.length, 1);
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

test('ringback tones: every preview decodes in the browser, a melody is bought after the confirm dialog and set for everyone; a refused purchase says why in its row; Esc in each dialog', async () => {
  const core = web.server.core;
  const s = await makeSubscriber(core, { msisdn: '79557000003' });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('secret-123'), new Date());
  await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: 'ringback' });
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await page.goto('/');
  await page.getByLabel('Номер телефона').fill(s.msisdn);
  await page.getByLabel('Пароль').fill('secret-123');
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await acceptTermsIfAsked(page);
  await page.goto('/more');
  await page.getByRole('link', { name: 'Гудок' }).click();
  await page.getByRole('heading', { name: 'Гудок', level: 1 }).waitFor();
  // Each preview is real audio made at build time: the browser reads its length from the file itself.
  // (A string: the test's compiler would name the callbacks with a helper the page does not have.)
  const decoded = await page.evaluate<{ code: string; duration: number; src: string }[]>(`Promise.all(Array.from(document.querySelectorAll('audio')).map((a) =>
    new Promise((ok, fail) => {
      a.addEventListener('loadedmetadata', () => ok({ code: a.dataset.code, duration: a.duration, src: a.currentSrc }), { once: true });
      a.addEventListener('error', () => fail(new Error(a.dataset.code + ': cannot decode')), { once: true });
      // When no source can be played, the last <source> says so (the element itself does not).
      a.querySelector('source:last-of-type').addEventListener('error', () => fail(new Error(a.dataset.code + ': no playable source')), { once: true });
      if (a.readyState >= 1) ok({ code: a.dataset.code, duration: a.duration, src: a.currentSrc });
      else a.load();
    })))`);
  assert.equal(decoded.length, 6);
  for (const d of decoded) {
    assert.ok(d.duration > 3 && d.duration < 15, `${d.code}: ${d.duration} s`);
    assert.match(d.src, new RegExp(`/tones/${d.code}\\.ogg$`));
  }
  const kalinka = page.getByTestId('rb-catalog').getByRole('listitem').filter({ hasText: 'Калинка' });
  await kalinka.getByRole('button', { name: 'Купить' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Купить мелодию «Калинка»? Цена: 1,50\u00a0₽/день.').waitFor();
  await dialog.getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByTestId('rb-library').getByText('Калинка').waitFor();
  await page.getByRole('button', { name: 'Поставить для всех' }).click();
  await page.getByTestId('rb-rules').getByText('всем · весь день').waitFor();
  await page.getByText('Сейчас всем звонящим играет «Калинка».').waitFor();
  // Bought meanwhile (by SMS, say): the page still offers it, and the refusal shows in its row, right above "Купить".
  await buyMelody(core, subscriberCtx(s.subscriberId), { msisdn: 'me', melody: 'korobeiniki' });
  const korobeiniki = page.getByTestId('rb-catalog').getByRole('listitem').filter({ hasText: 'Коробейники' });
  await korobeiniki.getByRole('button', { name: 'Купить' }).click();
  await dialog.getByRole('button', { name: 'Подтвердить' }).click();
  const refusal = korobeiniki.getByRole('alert');
  await refusal.getByText('Мелодия «Коробейники» уже в вашей фонотеке').waitFor();
  const box = await refusal.boundingBox();
  const buyBox = await korobeiniki.getByRole('button', { name: 'Купить' }).boundingBox();
  assert.ok(box && buyBox && buyBox.y - (box.y + box.height) < 48 && buyBox.y > box.y, 'right above "Купить"');
  assert.equal(await page.getByRole('alert').count(), 1, 'nowhere else');
  // Removing a melody, setting one for some callers, turning them all off: Esc gives focus back.
  await escGivesFocusBack(page, page.getByTestId('rb-library').getByRole('button', { name: 'Удалить' }));
  await page.getByLabel('Мелодия', { exact: true }).selectOption('kalinka');
  await escGivesFocusBack(page, page.getByRole('button', { name: 'Поставить', exact: true }));
  await escGivesFocusBack(page, page.getByRole('button', { name: 'Выключить все мелодии' }));
  const r = await checkPage(page);
  assert.deepEqual(r.serious, []);
  assert.ok(r.overflow <= 0, `scrolls by ${r.overflow}px`);
  assert.deepEqual(r.small, []);
  await ctx.close();
});
