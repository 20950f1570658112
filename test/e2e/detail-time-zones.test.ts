// The detail page on a phone whose calendar is not the number's region's: one far ahead of Moscow
// (UTC+14) and one far behind (UTC−11), so that at any hour at least one of them is on another
// date. The usage list and the chart ask for the region's last days, not the phone's, and the
// report form starts at the region's today. Real Chromium, real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { logInAsDemoSubscriber, newContext, PHONE, webSuite } from '../helpers/browser.ts';

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
