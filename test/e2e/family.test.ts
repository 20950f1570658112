// The family screens on a 360×640 phone: the head invites a number, the invitee joins in the app,
// the head chooses the plan and sets a monthly limit and sees it; the member sees their own limit
// and the plan, and leaves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { acceptTermsIfAsked, checkPage, logInAsDemoSubscriber, newContext, PHONE, waitForSms, webSuite } from '../helpers/browser.ts';
import { makeSubscriber } from '../helpers/core.ts';

const web = webSuite();

async function escGivesFocusBack(page: Page, opener: Locator): Promise<void> {
  await opener.click();
  await page.getByRole('dialog').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Отмена', 'opens on Cancel');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((el) => el === document.activeElement), 'focus is back on the opener');
}

test('family at 360×640: invite, join in the app, a limit set by the head, seen by the member, who leaves', async () => {
  const core = web.server.core;
  const member = await makeSubscriber(core, { msisdn: '79557770001' });
  await setPasswordHash(core.db, member.subscriberId, await hashPassword('pw-12345'), core.clock.now());

  const headCtx = await newContext(web.browser, web.server.url, PHONE);
  const head = await headCtx.newPage();
  await logInAsDemoSubscriber(head);
  await head.goto('/family');
  await head.getByRole('heading', { level: 1, name: 'Семья', exact: true }).waitFor();
  await head.getByText('Загрузка…').first().waitFor({ state: 'detached' });
  // A refused invitation (one's own number) says why right above "Пригласить", announced, and nowhere else.
  await head.getByLabel('Номер участника').fill('8 900 123-45-67');
  await head.getByRole('button', { name: 'Пригласить' }).click();
  const refusal = head.getByRole('alert');
  await refusal.getByText('Нельзя пригласить в семейную группу свой же номер').waitFor();
  assert.equal(await refusal.count(), 1);
  const box = await refusal.boundingBox();
  const send = await head.getByRole('button', { name: 'Пригласить' }).boundingBox();
  assert.ok(box && send && send.y - (box.y + box.height) < 48 && send.y > box.y, 'right above "Пригласить"');
  await head.getByLabel('Номер участника').fill('8 955 777-00-01');
  await head.getByRole('button', { name: 'Пригласить' }).click();
  await head.getByRole('status').getByText('Приглашение отправлено на +7 955 777-00-01').waitFor();
  await head.getByTestId('family-members').getByText(/\+7 955 777-00-01 · приглашён/).waitFor();
  await waitForSms(head, web.server.url, member.msisdn, /(приглашает вас в семейную группу)/);
  let r = await checkPage(head);
  assert.deepEqual([r.serious, r.small, r.smallText], [[], [], []]);
  assert.ok(r.overflow <= 0);

  const memberCtx = await newContext(web.browser, web.server.url, PHONE);
  const mp = await memberCtx.newPage();
  await mp.goto('/');
  await mp.getByLabel('Номер телефона').fill(member.msisdn);
  await mp.getByLabel('Пароль').fill('pw-12345');
  await mp.getByRole('button', { name: 'Войти' }).click();
  await acceptTermsIfAsked(mp);
  await mp.goto('/family');
  await mp.getByRole('button', { name: 'Вступить' }).click();
  await mp.getByRole('status').getByText('Вы вступили в семейную группу').waitFor();
  await mp.getByText(/Вы в семейной группе номера \+7 900 123-45-67/).waitFor();

  await head.reload();
  // The head chooses what the group gives: the members' fees only.
  await head.getByLabel('Условия группы').selectOption('head_pays');
  await head.getByRole('status').getByText('Условия группы сохранены').waitFor();
  await head.getByLabel('Лимит в месяц для +7 955 777-00-01, ₽').fill('500');
  await head.getByRole('button', { name: 'Сохранить лимит: +7 955 777-00-01' }).click();
  await head.getByTestId('family-members').getByText(/в группе · лимит: 500\s₽ · потрачено в этом месяце/).waitFor();
  r = await checkPage(head);
  assert.deepEqual([r.serious, r.small, r.smallText], [[], [], []]);
  assert.ok(r.overflow <= 0);

  await mp.reload();
  await mp.getByTestId('family-own').getByText(/лимит: 500\s₽/).waitFor();
  assert.equal(await mp.getByTestId('family-plan').textContent(), 'Абонентскую плату участников платит глава');
  r = await checkPage(mp);
  assert.deepEqual([r.serious, r.small, r.smallText], [[], [], []]);
  // Both confirmations open on Cancel; Esc closes them and gives focus back to the button that opened them.
  await escGivesFocusBack(head, head.getByRole('button', { name: 'Исключить: +7 955 777-00-01' }));
  const leave = mp.getByRole('button', { name: 'Выйти из группы' });
  await escGivesFocusBack(mp, leave);
  await leave.click();
  await mp.getByRole('dialog').getByRole('button', { name: 'Подтвердить' }).click();
  await mp.getByRole('status').getByText('Вы вышли из семейной группы').waitFor();
  await head.reload();
  await head.getByText(/В группе пока никого нет/).waitFor();
  await headCtx.close();
  await memberCtx.close();
});
