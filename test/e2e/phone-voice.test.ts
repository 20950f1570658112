// The phone simulator's voice tab against the server's real VoiceXML gateway (through the demo
// relay): call 111 as the demo subscriber, hear the main menu (transcript and WAV prompts), the
// balance the API gives, English on 9, keys from the keyboard, silence and hang-up; on a 360×640
// phone the keypad passes the tap-target, overflow, text-size and axe checks. Real Chromium, real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { sayMoney } from '../../src/text/spoken.ts';
import { voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { checkPage, newContext, PHONE, webSuite } from '../helpers/browser.ts';

/** How long a turn whose prompts are synthesised for the first time may take to answer. */
const SYNTHESIS_MS = 60_000;

const web = webSuite();

async function apiBalance(): Promise<number> {
  const login = await fetch(`${web.server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO.subscriber) });
  assert.equal(login.status, 200);
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${web.server.url}/api/v1/subscribers/me/balance`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { balance: number }).balance;
}

async function expectClean(page: Page, what: string) {
  const r = await checkPage(page);
  assert.deepEqual(r.serious, [], `${what}: axe serious/critical violations`);
  assert.ok(r.overflow <= 0, `${what}: scrolls horizontally by ${r.overflow}px`);
  assert.deepEqual(r.small, [], `${what}: interactive elements under 48×48`);
  assert.deepEqual(r.smallText, [], `${what}: text under 16px`);
}

test('voice tab: call 111, hear the menu, balance on 1, English on 9, keys from the keyboard, silence, hang up', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await page.goto('/phone');
  await page.getByRole('heading', { level: 1, name: 'Симулятор телефона' }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Номер' }).inputValue(), DEMO.subscriber.msisdn);
  await page.getByRole('button', { name: 'Звонок 111' }).click();
  const keypad = page.getByRole('group', { name: 'Клавиатура телефона' });
  const key = (k: string) => keypad.getByRole('button', { name: k, exact: true });
  assert.equal(await key('1').isDisabled(), true, 'no keys before the call');

  const audio = page.getByTestId('voice-audio');
  await page.getByRole('button', { name: 'Позвонить на 111' }).click();
  const transcript = page.getByTestId('voice-transcript');
  await transcript.getByText(voiceTexts.ru.mainItems[0]!).waitFor({ timeout: SYNTHESIS_MS });
  await page.getByTestId('voice-screen').getByText('Идёт звонок').waitFor();

  // The player was given the first prompt's WAV; it answers with RIFF audio.
  await page.waitForFunction(() => /\.wav$/.test(document.querySelector('[data-testid="voice-audio"]')?.getAttribute('src') ?? ''));
  const src = (await audio.getAttribute('src'))!;
  const wav = await fetch(new URL(src, web.server.url));
  assert.equal(wav.status, 200);
  assert.equal(wav.headers.get('content-type'), 'audio/wav');
  assert.equal(Buffer.from(await wav.arrayBuffer()).subarray(0, 4).toString('latin1'), 'RIFF');

  await expectClean(page, '360×640 /phone voice in a call');

  await key('1').click();
  await transcript.getByText('→ 1', { exact: true }).waitFor();
  const said = transcript.getByText(/^Ваш баланс /);
  await said.waitFor();
  const expected = `Ваш баланс ${sayMoney(await apiBalance(), 'ru')} по состоянию на `;
  assert.ok(((await said.textContent()) ?? '').startsWith(expected), `${await said.textContent()}\nexpected: ${expected}`);

  await key('*').click();
  await transcript.getByText('→ *', { exact: true }).waitFor();
  await key('9').click();
  const english = transcript.getByText(voiceTexts.en.mainItems[0]!);
  // The first English turn synthesises every prompt of the menu (espeak-ng and sox, one process
  // each) before it answers: on a loaded 2-core machine that takes longer than a click's wait.
  await english.waitFor({ timeout: SYNTHESIS_MS });
  assert.equal(await transcript.locator('li[lang="en-US"]').count(), 1, 'the English page is marked as English');

  // Keys typed on the keyboard while the keypad has focus: 0 repeats the menu.
  await key('5').focus();
  await page.keyboard.press('0');
  await transcript.getByText('→ 0', { exact: true }).waitFor();
  await page.waitForFunction((text) => [...document.querySelectorAll('[data-testid="voice-transcript"] li')].filter((li) => li.textContent?.includes(text)).length === 2, voiceTexts.en.mainItems[0]!);

  await page.getByRole('button', { name: 'Промолчать' }).click();
  await transcript.getByText(new RegExp(`^${voiceTexts.en.noinput}`)).waitFor();

  await expectClean(page, '360×640 /phone voice with a transcript');

  await page.getByRole('button', { name: 'Положить трубку' }).click();
  await page.getByTestId('voice-screen').getByText('Звонок завершён').waitFor();
  assert.equal(await key('1').isDisabled(), true, 'no keys after hang-up');
  await page.getByRole('button', { name: 'Позвонить на 111' }).waitFor();
  await ctx.close();
});

test('voice tab in English; a number outside the demo set is refused', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  await page.goto('/phone');
  await page.evaluate(() => localStorage.setItem('abonent.lang', 'en'));
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Phone simulator' }).waitFor();
  await page.getByRole('button', { name: 'Call 111' }).click();
  await page.getByRole('combobox', { name: 'Number' }).fill('79550000001');
  await page.getByRole('button', { name: 'Dial 111' }).click();
  await page.getByRole('alert').getByText('Not a demo number').waitFor();
  await page.getByTestId('voice-screen').getByText('Press “Dial 111”.').waitFor();
  await ctx.close();
});

test('voice tab: once the prompts have played, the portal waits for the page\'s timeout and then hears silence', async () => {
  const ctx = await newContext(web.browser, web.server.url, PHONE);
  const page = await ctx.newPage();
  // The page's timers run on a clock the test moves; everything else (audio, network) runs as usual.
  await page.clock.install();
  await page.goto('/phone');
  await page.getByRole('button', { name: 'Звонок 111' }).click();
  // The caller hears every prompt to its end, sixteen times faster than spoken.
  await page.getByTestId('voice-audio').evaluate((el: HTMLAudioElement) => (el.defaultPlaybackRate = 16));
  await page.getByRole('button', { name: 'Позвонить на 111' }).click();
  const transcript = page.getByTestId('voice-transcript');
  await transcript.getByText(voiceTexts.ru.mainItems[0]!).waitFor();
  const screen = page.getByTestId('voice-screen');
  // Once the last prompt has played, the portal listens.
  await page.locator('[data-testid="voice-screen"][data-listening="true"]').waitFor();
  const silence = transcript.getByText(new RegExp(`^${voiceTexts.ru.noinput}`));
  await page.clock.runFor(4_000);
  assert.equal(await silence.count(), 0, 'still listening 4 s after the prompts');
  await page.clock.runFor(1_100);
  await silence.waitFor();
  assert.equal(await transcript.getByText('→ Промолчать', { exact: true }).count(), 1, 'the silence is in the transcript');
  await page.getByRole('button', { name: 'Положить трубку' }).click();
  await screen.getByText('Звонок завершён').waitFor();
  await ctx.close();
});
