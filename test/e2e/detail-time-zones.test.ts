// The detail page on a phone whose calendar is not the number's region's: one far ahead of Moscow
// (UTC+14) and one far behind (UTC−11), so that at any hour at least one of them is on another
// date. The usage list and the chart ask for the region's last days, not the phone's, and the
// report form starts at the region's today. And a Vladivostok number (UTC+10) seen from a phone
// on Moscow time: a charge at 23:30 Moscow time is on the next day, Vladivostok's, in the list,
// the table, the chart's ticks and the ordered report. Real Chromium, real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DateTime } from 'luxon';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { postEntry } from '../../src/domain/ledger/post-entry.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { acceptTermsIfAsked, logInAsDemoSubscriber, newContext, PHONE, webSuite } from '../helpers/browser.ts';
import { makeSubscriber } from '../helpers/core.ts';

const web = webSuite();

for (const timezoneId of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
  test(`detail on a phone in ${timezoneId}: today's usage listed, the report form at the region's today`, async () => {
    const counterpart = timezoneId === 'Pacific/Kiritimati' ? '79005551414' : '79005551111';
    const shown = `+7 900 555-${counterpart.slice(7, 9)}-${counterpart.slice(9)}`;
    const res = await ingestUsage(web.server.core, systemCtx('e2e'), [
      { recordId: `e2e-tz-${timezoneId}`, msisdn: DEMO.subscriber.msisdn, kind: 'voice', zone: 'home', startedAt: new Date(Date.now() - 60_000).toISOString(), durationSeconds: 14, counterpart },
    ]);
    assert.equal(res.accepted, 1);
    // The region's today, as the server counts it for this number.
    const login = (await (await fetch(`${web.server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.subscriber) })).json()) as { token: string };
    const regionToday = ((await (await fetch(`${web.server.url}/api/v1/subscribers/me/usage?days=1`, { headers: { authorization: `Bearer ${login.token}` } })).json()) as { to: string }).to;

    const ctx = await newContext(web.browser, web.server.url, PHONE, { timezoneId });
    const page = await ctx.newPage();
    await logInAsDemoSubscriber(page);
    await page.goto('/detail');
    await page.getByTestId('usage-records').getByText(`Звонок · 0:14 · ${shown}`).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'no refusal of a period "in the future"');
    await page.getByLabel('По', { exact: true }).and(page.locator(`[value="${regionToday}"]`)).waitFor();
    assert.equal(await page.getByLabel('С', { exact: true }).inputValue(), `${regionToday.slice(0, 8)}01`);
    await ctx.close();
  });
}

test('a Vladivostok number on a phone on Moscow time: a charge at 23:30 Moscow time is listed on the next day, Vladivostok\'s', async () => {
  const { core, url } = web.server;
  const s = await makeSubscriber(core, { regionCode: '25', msisdn: '79245550025' });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('vvo-12345'), core.clock.now());
  // Two days ago in Moscow, 23:30: 06:30 the day after in Vladivostok, and not Vladivostok's today.
  const moscowDay = DateTime.now().setZone('Europe/Moscow').minus({ days: 2 }).toISODate()!;
  const at = DateTime.fromISO(`${moscowDay}T23:30`, { zone: 'Europe/Moscow' });
  const vvoDay = at.setZone('Asia/Vladivostok').toISODate()!;
  assert.notEqual(vvoDay, moscowDay);
  assert.equal(at.setZone('Asia/Vladivostok').toFormat('HH:mm'), '06:30');
  const res = await ingestUsage(core, systemCtx('e2e'), [
    { recordId: 'e2e-vvo-2330', msisdn: s.msisdn, kind: 'voice', zone: 'home', startedAt: at.toUTC().toISO()!, durationSeconds: 42, counterpart: '79005552525' },
  ]);
  assert.equal(res.accepted, 1);
  await postEntry(core.db, { accountId: s.accountId, subscriberId: s.subscriberId, amount: -77_777, kind: 'adjustment', category: 'one_off', productCode: null, idempotencyKey: 'e2e-vvo-fee', at: at.toJSDate() });

  const ctx = await newContext(web.browser, url, PHONE, { timezoneId: 'Europe/Moscow' });
  const page = await ctx.newPage();
  try {
    await page.goto('/');
    await page.getByLabel('Номер телефона').fill(s.msisdn);
    await page.getByLabel('Пароль').fill('vvo-12345');
    await page.getByRole('button', { name: 'Войти' }).click();
    await acceptTermsIfAsked(page);
    await page.goto('/detail');
    const ru = (iso: string, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('ru-RU', { ...o, timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
    // The call: Vladivostok's date and time, the zone named (the phone's clock is Moscow's).
    const call = page.getByTestId('usage-records').locator('li').filter({ hasText: 'Звонок · 0:42 · +7 900 555-25-25' });
    const when = (await call.locator('p.muted').innerText()).replace(/[\u00a0\u202f]/g, ' ');
    assert.match(when, new RegExp(`^${ru(vvoDay, { dateStyle: 'medium' })}, 06:30 GMT\\+10 `), when);
    // The table: the charge on Vladivostok's day, none on Moscow's.
    const rows = page.getByTestId('usage-table').locator('tbody tr');
    const row = rows.filter({ has: page.getByRole('cell', { name: ru(vvoDay, { day: 'numeric', month: 'short' }), exact: true }) });
    assert.match((await row.locator('td').nth(1).innerText()).replace(/\s/g, ''), /^777,77₽$/);
    assert.equal(await rows.filter({ has: page.getByRole('cell', { name: ru(moscowDay, { day: 'numeric', month: 'short' }), exact: true }) }).count(), 0);
    // The chart's days are the region's: its last tick is Vladivostok's today, which the series ends on.
    const chart = page.locator('[data-testid="chart-traffic"][data-x-labels]');
    const ticks = JSON.parse((await chart.getAttribute('data-x-labels'))!) as string[];
    const series = (await (await page.request.get('/api/v1/subscribers/me/traffic?days=30')).json()) as { to: string; timeZone: string; days: { date: string; charged: number }[] };
    assert.equal(series.timeZone, 'Asia/Vladivostok');
    assert.deepEqual(series.days.filter((d) => d.date === vvoDay || d.date === moscowDay).map((d) => [d.date, d.charged]), [[moscowDay, 0], [vvoDay, 77_777]]);
    assert.ok(ticks.every((t) => series.days.some((d) => ru(d.date, { day: 'numeric', month: 'short' }) === t)), `ticks ${ticks.join(', ')} are the series' days`);
    // An ordered report for Moscow's day and Vladivostok's: the charge on Vladivostok's, at 06:30.
    await page.getByLabel('С', { exact: true }).fill(moscowDay);
    await page.getByLabel('По', { exact: true }).fill(vvoDay);
    await page.getByRole('button', { name: 'Заказать', exact: true }).click();
    const download = page.getByRole('link', { name: /^Скачать CSV/ }).first();
    await download.waitFor({ timeout: 30_000 });
    const csv = (await (await page.request.get((await download.getAttribute('href'))!)).text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    const lines = csv.slice(1).filter((l) => l.includes('777,77') || l.includes('+7 900 555-25-25'));
    assert.equal(lines.length, 2, csv.join('\n'));
    const [y, m, d] = vvoDay.split('-');
    for (const l of lines) assert.ok(l.startsWith(`${d}.${m}.${y} 06:30`), l);
  } finally {
    await ctx.close();
  }
});
