// "Why did my bill change" on a 360×640 phone: the server's words for the largest changes, the totals, clean page checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { checkPage, logInAsDemoSubscriber, newContext, PHONE, webSuite } from '../helpers/browser.ts';

const web = webSuite();

test('the bill-change page at 360×640 shows the changes the API names, in Russian and in English', async () => {
  const login = (await (await fetch(`${web.server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.subscriber) })).json()) as { token: string };
  const api = (await (await fetch(`${web.server.url}/api/v1/subscribers/me/bill-change`, { headers: { authorization: `Bearer ${login.token}` } })).json()) as { changes: { text: { ru: string; en: string } }[] };
  // The demo number connected its services this month: each is a change with the day it was connected.
  assert.ok(api.changes.some((c) => /подключена \d{1,2} [а-я]+$/.test(c.text.ru)), JSON.stringify(api.changes));

  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/bill'); // the old address leads to the page
  await page.getByRole('heading', { level: 1, name: 'Изменения расходов', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/spending-changes');
  await page.getByText('Загрузка…').first().waitFor({ state: 'detached' });
  const shown = (await page.getByTestId('bill-changes').locator('li').allTextContents()).map((s) => s.trim());
  assert.deepEqual(shown, api.changes.map((c) => c.text.ru));
  const r = await checkPage(page);
  assert.deepEqual(r.serious, []);
  assert.deepEqual(r.small, []);
  assert.deepEqual(r.smallText, []);
  assert.ok(r.overflow <= 0);
  await ctx.close();
});
