// The web app's lists in real Chromium: the payment history and the bonus points history page on
// with «Показать ещё» until every row is shown once, and a data session in the detail reads as a
// volume by locale (1 648 764 bytes: «Интернет · 1,6 МБ», not `0.0`). One browser.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { earnPoints } from '../../src/domain/bonus/earn-points.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { logInAsDemoSubscriber, newContext, PHONE, webSuite } from '../helpers/browser.ts';

const web = webSuite();

test('payments page on by cursor; a data session is shown as «1,6 МБ»', async () => {
  const db = web.server.core.db;
  const [sub] = await db.query<{ id: number; account_id: number }>('SELECT id, account_id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  // 45 payments a minute apart in the last days, newest first in the list.
  for (let i = 0; i < 45; i++) {
    const at = new Date(Date.now() - 86_400_000 - i * 60_000);
    await db.query(
      `INSERT INTO payment (id, account_id, subscriber_id, provider, amount, status, channel, created_at, updated_at)
       VALUES ($1, $2, $3, 'sandbox', $4, 'succeeded', 'web', $5, $5)`,
      [randomUUID(), sub.account_id, sub.id, 10_000 + i * 100, at],
    );
  }
  const [{ n }] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM payment WHERE subscriber_id = $1', [sub.id])) as [{ n: number }];
  assert.ok(n >= 45);
  await ingestUsage(web.server.core, systemCtx('e2e'), [
    { recordId: `e2e-volume-${Date.now()}`, msisdn: DEMO.subscriber.msisdn, kind: 'data', zone: 'home', startedAt: new Date(Date.now() - 60_000).toISOString(), bytes: 1_648_764 },
  ]);

  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);

  await page.goto('/payments');
  const rows = page.getByTestId('payments').getByRole('listitem');
  await rows.nth(19).waitFor();
  assert.equal(await rows.count(), 20, 'twenty to a page');
  const more = page.getByRole('button', { name: 'Показать ещё' });
  let pages = 1;
  while (await more.isVisible()) {
    const before = await rows.count();
    await more.click();
    await rows.nth(Math.min(before, n - 1)).waitFor();
    pages++;
    assert.ok(pages <= Math.ceil(n / 20), 'the button goes once every payment is shown');
    // The button stays until the last page has come.
    if ((await rows.count()) === n) await more.waitFor({ state: 'hidden' });
  }
  assert.equal(await rows.count(), n, 'every payment once');
  assert.equal(pages, Math.ceil(n / 20));

  await page.goto('/detail');
  await page.getByTestId('usage-records').getByText(/^Интернет · 1,6\sМБ$/).waitFor();
  await ctx.close();
});

test('the bonus points history pages on by cursor, every line once, in the order the API gives', async () => {
  const { core } = web.server;
  const [sub] = await core.db.query<{ id: number; account_id: number }>('SELECT id, account_id FROM subscriber WHERE msisdn = $1', [DEMO.subscriber.msisdn]);
  assert.ok(sub);
  // 5,000 points of this month, then 25 exchanges through the API: a spend line each.
  await earnPoints(core.db, { pointsPerRuble: 1, expiryMonths: 12 }, { accountId: Number(sub.account_id), subscriberId: Number(sub.id), spent: 500_000, at: new Date() });
  const login = (await (await fetch(`${web.server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.subscriber) })).json()) as { token: string };
  const auth = { authorization: `Bearer ${login.token}` };
  for (let i = 0; i < 25; i++) {
    const res = await fetch(`${web.server.url}/api/v1/subscribers/me/bonus/exchange`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ rewardCode: 'sms_100' }) });
    assert.equal(res.status, 200, await res.text());
  }
  const all = (await (await fetch(`${web.server.url}/api/v1/subscribers/me/bonus/history?limit=200`, { headers: auth })).json()) as { items: { id: number; points: number }[]; nextCursor: string | null };
  assert.equal(all.nextCursor, null);
  const n = all.items.length;
  assert.ok(n > 20, `more than a page: ${n}`);

  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await logInAsDemoSubscriber(page);
  await page.goto('/bonuses');
  const rows = page.getByTestId('bonus-history').getByRole('listitem');
  await rows.nth(19).waitFor();
  assert.equal(await rows.count(), 20, 'twenty to a page');
  const more = page.getByTestId('bonus-history-more');
  assert.equal(await more.textContent(), 'Показать ещё');
  let pages = 1;
  while (await more.isVisible()) {
    const before = await rows.count();
    await more.click();
    await rows.nth(Math.min(before, n - 1)).waitFor();
    pages++;
    assert.ok(pages <= Math.ceil(n / 20), 'the button goes once every line is shown');
    if ((await rows.count()) === n) await more.waitFor({ state: 'hidden' });
  }
  assert.equal(await rows.count(), n, 'every line once');
  assert.equal(pages, Math.ceil(n / 20));
  // The newest line first (the last exchange, 150 points spent), then as the API lists them.
  // Each spend line says what for, in words, with the points' plural form.
  assert.match((await rows.first().textContent()) ?? '', /обмен на «100 SMS» −150 баллов$/);
  const shown = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-points'))));
  assert.deepEqual(
    shown,
    all.items.map((i) => i.points),
  );
  await ctx.close();
});
