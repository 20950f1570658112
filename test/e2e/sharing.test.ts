// The sharing screen on a 360×640 phone: give 2 GB to another number through the confirmation
// dialog that states the fee and the gift's days; the recipient's SMS; the gift in the history.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPage, logInAsDemoSubscriber, newContext, PHONE, waitForSms, webSuite } from '../helpers/browser.ts';

const web = webSuite();
const FRIEND = '79161000000';

test('sharing at 360×640: 2 GB to another number, confirmed with its fee; the friend is told by SMS; a bad amount is refused in words', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/sharing');
  await page.getByRole('heading', { level: 1, name: 'Поделиться', exact: true }).waitFor();
  await page.getByText('Загрузка…').first().waitFor({ state: 'detached' });
  assert.match((await page.getByTestId('share-left').textContent()) ?? '', /Осталось в вашем пакете: 15\u00a0ГБ · 10\u00a0₽ разово/);
  const clean = await checkPage(page);
  assert.deepEqual(clean.serious, []);
  assert.deepEqual(clean.small, []);
  assert.deepEqual(clean.smallText, []);
  assert.ok(clean.overflow <= 0);

  // Out of bounds: said before anything is asked.
  await page.getByLabel(/Сколько: от 1 до 30/).fill('45');
  await page.getByLabel('Номер получателя').fill(`+7 916 100-00-00`);
  await page.getByRole('button', { name: 'Подарить' }).click();
  await page.getByRole('alert').getByText('Введите целое число от 1 до 30.').waitFor();

  await page.getByLabel(/Сколько: от 1 до 30/).fill('2');
  await page.getByRole('button', { name: 'Подарить' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(/Подарить 2\u00a0ГБ на \+7 916 100-00-00\? Плата: 10\u00a0₽ разово\. Подарок действует 7\u00a0дней\./).waitFor();
  await dialog.getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('status').getByText('Подарено 2\u00a0ГБ на +7 916 100-00-00').waitFor();
  await page.getByTestId('share-history').getByText(/Вы подарили: 2\u00a0ГБ · \+7 916 100-00-00/).waitFor();
  assert.match((await page.getByTestId('share-left').textContent()) ?? '', /13\u00a0ГБ/);
  await waitForSms(page, web.server.url, FRIEND, /(подарил вам 2\u00a0ГБ интернета)/);

  // Minutes: the other kind, its own bounds.
  await page.getByLabel('Что подарить').selectOption('minutes');
  await page.getByLabel(/Сколько: от 10 до 300/).waitFor();
  const after = await checkPage(page);
  assert.deepEqual(after.serious, []);
  assert.ok(after.overflow <= 0);
  await ctx.close();
});
