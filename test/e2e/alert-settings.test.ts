// The spending alert settings screen in real Chromium on a 360×640 phone: the switches and the
// threshold are saved through the API, a bad amount is refused on the page, and an alert raised by
// rating appears in the notification list in the page's language. The caps screen: caps saved, and
// "continue for 99 ₽" once data is stopped by the data hard cap. Voicemail's page plays a message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { alertSettingsAction, capsAction, perform } from '../../src/domain/actions/registry.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { recordNetworkEvent } from '../../src/domain/roaming/network-event.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { checkPage, logInAsDemoSubscriber, newContext, PHONE, webSuite } from '../helpers/browser.ts';
import { ctxAs } from '../helpers/core.ts';
import { depositVoicemail } from '../../src/domain/voicemail/deposit.ts';
import { toneWav } from '../helpers/wav.ts';

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

test('alert settings at 360×640: switches and threshold saved, bad amount refused, the notification list shows an alert', async () => {
  const { core } = web.server;
  const [sub] = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Оповещения о расходах' }).click();
  await page.getByRole('heading', { name: 'Оповещения о расходах' }).first().waitFor();
  const form = page.getByTestId('alert-settings');
  const p80 = form.getByRole('switch', { name: 'Пакет израсходован на 80%' });
  assert.equal(await p80.getAttribute('aria-checked'), 'false');
  await p80.click();
  await form.getByRole('switch', { name: 'Пакет израсходован полностью' }).click();
  await form.getByRole('switch', { name: 'Можно и ночью' }).click();
  await form.getByLabel('Порог баланса, ₽ (пусто — не сообщать)').fill('сто');
  await form.getByRole('button', { name: 'Сохранить' }).click();
  await page.getByText('Введите сумму в рублях, например 100').waitFor();
  await form.getByLabel('Порог баланса, ₽ (пусто — не сообщать)').fill('150');
  await form.getByRole('button', { name: 'Сохранить' }).click();
  await page.getByText('Настройки оповещений сохранены').waitFor();
  const saved = (await alertSettingsAction.offer(core, systemCtx('e2e'), { msisdn: DEMO.subscriber.msisdn })).details;
  assert.deepEqual(
    [saved.package80, saved.package100, saved.allowNight, saved.lowBalance, saved.dailyDigest],
    [true, true, true, 15_000, false],
  );
  // Nothing overflows the phone's width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);

  // Use the tariff's minutes to past 80%: the alert is in the list (night allowed, so at once).
  await core.db.query("UPDATE quota SET used = included - 60 * 10 WHERE subscriber_id = $1 AND unit = 'seconds' AND period_end > now() AND period_start <= now() AND included >= 6000", [sub.id]);
  await ingestUsage(core, systemCtx('e2e'), [{ recordId: `e2e-alert-${Date.now()}`, msisdn: DEMO.subscriber.msisdn, kind: 'voice', zone: 'home', startedAt: new Date(Date.now() - 60_000).toISOString(), durationSeconds: 60 }]);
  await page.reload();
  const item = page.getByTestId('notifications').getByRole('listitem').first();
  await item.getByText(/^Использовано 80% пакета «.+»: осталось 9\sминут до/).waitFor();
  await ctx.close();
});

test('a record refused by the roaming cap reads as such in the detail at 360×640', async () => {
  const { core } = web.server;
  const [sub] = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  await perform(core, ctxAs({ kind: 'subscriber', subscriberId: Number(sub.id) }), capsAction, 'me', { roaming: 0 });
  const res = await ingestUsage(core, systemCtx('e2e'), [
    { recordId: `e2e-cap-${Date.now()}`, msisdn: DEMO.subscriber.msisdn, kind: 'voice', zone: 'roaming', startedAt: new Date(Date.now() - 30_000).toISOString(), durationSeconds: 120 },
  ]);
  assert.deepEqual(res.refused?.map((r) => r.reason), ['ROAMING_CAP']);
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/detail');
  await page.getByTestId('usage-records').getByText('Не выполнено: достигнут лимит расходов в роуминге').first().waitFor();
  await ctx.close();
});

test('voicemail at 360×640: a message left by a diverted call is listed and played by the browser (the audio route, the session cookie); playing marks it heard', async () => {
  const { core } = web.server;
  const [sub] = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  const left = await depositVoicemail(core, { subscriberId: Number(sub.id), callId: `e2e-vm-${Date.now()}`, caller: '79001112233', audio: toneWav({ seconds: 2 }) });
  assert.equal(left.kind, 'kept');
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/more');
  await page.getByRole('link', { name: 'Голосовая почта' }).click();
  const item = page.getByTestId('voicemail-message').filter({ hasText: '+7 900 111-22-33' }).first();
  await item.getByText('новое').waitFor();
  // The browser fetches and decodes the WAV: its duration is the message's.
  const duration = await item.locator('audio').evaluate(
    (a: HTMLAudioElement) =>
      new Promise<number>((resolve, reject) => {
        if (a.readyState >= 1) resolve(a.duration);
        a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
        a.addEventListener('error', () => reject(new Error(`audio error ${a.error?.code}`)), { once: true });
        a.load();
      }),
  );
  assert.ok(duration > 1.9 && duration < 2.1, `duration ${duration}`);
  await item.locator('audio').evaluate((a: HTMLAudioElement) => {
    a.muted = true;
    return a.play();
  });
  await item.getByText('новое').waitFor({ state: 'detached' });
  const [row] = await core.db.query<{ heard: boolean }>('SELECT heard_at IS NOT NULL AS heard FROM voicemail_message WHERE id = $1', [left.kind === 'kept' ? left.id : 0]);
  assert.equal(row?.heard, true);
  // Deleting asks first (the app's dialog: Esc gives focus back), then the message is gone.
  const remove = item.getByRole('button', { name: 'Удалить' });
  await escGivesFocusBack(page, remove);
  await remove.click();
  await page.getByRole('dialog').getByText('Удалить это сообщение?').waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('status').getByText('Сообщение удалено.').waitFor();
  assert.equal(await page.getByTestId('voicemail-message').filter({ hasText: '+7 900 111-22-33' }).count(), 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
  await ctx.close();
});

test('caps at 360×640: the monthly cap and the data hard cap saved; data stopped by it is continued for 99 ₽ with one tap and a confirmation', async () => {
  const { core } = web.server;
  const [sub] = await core.db.query<{ id: number; account_id: number }>('SELECT id, account_id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Лимиты расходов' }).click();
  const form = page.getByTestId('caps');
  await form.getByLabel('Не больше в месяц, ₽ (пусто — без лимита)').fill('тысяча');
  await form.getByRole('button', { name: 'Сохранить' }).click();
  await page.getByText('Введите сумму в рублях, например 1000').waitFor();
  // An amount the server refuses (over its highest cap): the reason in the form, by its button, announced.
  await form.getByLabel('Не больше в месяц, ₽ (пусто — без лимита)').fill('2 000 000');
  await form.getByRole('button', { name: 'Сохранить' }).click();
  const refused = form.getByRole('alert');
  await refused.getByText(/^Сумма должна быть от /).waitFor();
  assert.equal(await page.getByRole('alert').count(), 1, 'the refusal only in the form');
  const [alertBox, save] = await Promise.all([refused.boundingBox(), form.getByRole('button', { name: 'Сохранить' }).boundingBox()]);
  assert.ok(alertBox && save && save.y - (alertBox.y + alertBox.height) < 48, 'right above "Save"');
  await form.getByLabel('Не больше в месяц, ₽ (пусто — без лимита)').fill('15000');
  await form.getByRole('switch', { name: 'Запретить интернет сверх пакета' }).click();
  await form.getByRole('button', { name: 'Сохранить' }).click();
  await page.getByText('Лимиты сохранены').waitFor();
  const saved = (await capsAction.offer(core, systemCtx('e2e'), { msisdn: DEMO.subscriber.msisdn })).details;
  assert.deepEqual([saved.monthly, saved.dataHard], [1_500_000, true]);

  // The packages' data used up: the next data record is refused, and the screen offers the lift.
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1 AND unit = 'bytes'", [sub.id]);
  const res = await ingestUsage(core, systemCtx('e2e'), [
    { recordId: `e2e-data-${Date.now()}`, msisdn: DEMO.subscriber.msisdn, kind: 'data', zone: 'home', startedAt: new Date(Date.now() - 30_000).toISOString(), bytes: 500_000 },
  ]);
  assert.deepEqual(res.refused?.map((r) => r.reason), ['DATA_CAP']);
  await page.reload();
  await escGivesFocusBack(page, page.getByRole('button', { name: 'Продолжить интернет за 99\u00a0₽' }));
  await page.getByRole('button', { name: 'Продолжить интернет за 99\u00a0₽' }).click();
  await page.getByRole('dialog').getByText('Разрешить интернет сверх пакета до конца месяца? Спишем 99\u00a0₽.').waitFor();
  const r = await checkPage(page);
  assert.deepEqual([r.serious, r.small, r.smallText], [[], [], []]);
  assert.ok(r.overflow <= 0, `horizontal overflow ${r.overflow}px`);
  await page.getByRole('dialog').getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('status').getByText(/^Интернет сверх пакета разрешён до /).waitFor();
  await page.getByTestId('data-lifted').waitFor();
  assert.equal(await page.getByRole('button', { name: /Продолжить интернет/ }).count(), 0);
  const lifts = await core.db.query<{ amount: number }>("SELECT amount FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'data_lift:%'", [sub.account_id]);
  assert.deepEqual(lifts.map((l) => Number(l.amount)), [-9_900]);

  // Abroad, the home screen shows the roaming card: the country and the month's spending against the cap.
  await recordNetworkEvent(core, systemCtx('e2e'), { type: 'attach', msisdn: DEMO.subscriber.msisdn, country: 'TR' });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Роуминг: Турция' }).waitFor();
  await page.getByTestId('roaming').getByText(/^Потрачено в роуминге в этом месяце: .+ из .+ · с /).waitFor();
  const home = await checkPage(page);
  assert.deepEqual([home.serious, home.small, home.smallText], [[], [], []]);
  assert.ok(home.overflow <= 0, `horizontal overflow ${home.overflow}px`);
  await recordNetworkEvent(core, systemCtx('e2e'), { type: 'attach', msisdn: DEMO.subscriber.msisdn, country: 'RU' });
  await ctx.close();
});
