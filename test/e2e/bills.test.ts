// The Bills page in real Chromium: the demo subscriber's issued bill is listed with its closing
// balance, the PDF downloads as the stored document, «SMS» texts a link that opens the page, and
// «E-mail» sends the same link to the address saved in Settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueNextBill } from '../../src/domain/bills/issue-bills.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { logInAsDemoSubscriber, newContext, PHONE, waitForSms, webSuite } from '../helpers/browser.ts';

const web = webSuite();

test('Bills: the issued bill with its closing balance, the stored PDF, a link by SMS that opens the page, the link by e-mail', async () => {
  const core = web.server.core;
  const [sub] = await core.db.query<{ account_id: number }>('SELECT account_id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  // The month the account began has ended (as the job would see it in 40 days).
  const number = await issueNextBill(core, { kind: 'account', accountId: Number(sub.account_id) }, { now: new Date(Date.now() + 40 * 86_400_000) });
  assert.ok(number, 'a bill was issued');
  const [bill] = await core.db.query<{ id: string; closing_balance: number; pdf: Uint8Array }>('SELECT id::text AS id, closing_balance, pdf FROM bill WHERE number = $1', [number]);

  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/bills');
  const card = page.getByTestId('bill').first();
  await card.waitFor();
  const rub = (k: number) => `${Math.trunc(k / 100).toLocaleString('ru-RU')},${String(Math.abs(k) % 100).padStart(2, '0')}`.replace(/\s/g, '');
  const closing = (await card.getByTestId('bill-closing').innerText()).replace(/\s/g, '');
  assert.ok(closing.includes(rub(Number(bill!.closing_balance))), `${closing} shows ${rub(Number(bill!.closing_balance))}`);
  assert.ok((await card.innerText()).includes(`№ ${number}`));

  const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: /Скачать счёт/ }).click()]);
  assert.equal(download.suggestedFilename(), `bill-${number}.pdf`);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  assert.deepEqual(readFileSync(path), Buffer.from(bill!.pdf), 'the document stored when the bill was issued');

  await card.getByRole('button', { name: /Прислать ссылку на счёт .* по SMS/ }).click();
  await page.getByText('Ссылка на счёт отправлена по SMS.').waitFor();
  const link = await waitForSms(page, web.server.url, DEMO.subscriber.msisdn, /^Счёт за .+ Скачать: (\S+)$/);
  assert.match(link, new RegExp(`/bills\\?bill=${bill!.id}$`));
  await page.goto(new URL(link).pathname + new URL(link).search);
  await page.getByRole('heading', { name: 'Счета', level: 1 }).waitFor();
  const opened = page.locator('[data-testid="bill"][aria-current="true"]');
  await opened.waitFor();
  assert.ok((await opened.innerText()).includes(`№ ${number}`), 'the bill the link names is shown open');

  // By e-mail: refused in words while the profile has no address; sent once one is saved in Settings.
  const byMail = () => page.locator('[data-testid="bill"][aria-current="true"]').getByRole('button', { name: /Прислать ссылку на счёт .* на электронную почту/ });
  await byMail().click();
  await page.getByText('В профиле не указан адрес электронной почты').waitFor();
  await page.goto('/settings');
  const section = page.getByRole('region', { name: 'Электронная почта для счетов' });
  await section.getByRole('textbox', { name: 'Электронная почта для счетов' }).fill('demo@mail.example');
  await section.getByRole('button', { name: 'Сохранить' }).click();
  await page.getByText('Адрес сохранён.').waitFor();
  await page.goto(new URL(link).pathname + new URL(link).search);
  await byMail().click();
  await page.getByText('Ссылка на счёт отправлена на электронную почту.').waitFor();
  const mails = await core.db.query<{ to_address: string; body: string }>("SELECT to_address, body FROM mail_message WHERE kind = 'bill_link' ORDER BY id DESC LIMIT 1");
  assert.equal(mails[0]?.to_address, 'demo@mail.example');
  assert.ok(mails[0]!.body.includes(`/bills?bill=${bill!.id}`), 'the same link as the SMS');
  await ctx.close();
});
