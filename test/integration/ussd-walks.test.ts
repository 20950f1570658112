import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { fitsPage, isGsm7Basic, pageLength } from '../../src/text/gsm7.ts';
import type { Core } from '../../src/domain/core.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { ledgerSum, makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  // Operators write long names: make every product and reward name long, in both languages,
  // with words no page can hold whole, emoji and typography.
  const long = (i: number) => ({
    ru: `Суперпредложение «Безлимитище» номер ${i} — для всей семьи и друзей на любых устройствах 😀 ${'Очень'.repeat(i % 5 + 1)}длинноеслово`,
    en: `Super offer "Unlimited" number ${i} - for the whole family and friends on any device ${'Very'.repeat(i % 7 + 1)}longword`,
  });
  const products = await core.db.query<{ code: string }>('SELECT code FROM product ORDER BY code');
  for (const [i, p] of products.entries()) {
    await core.db.query(`UPDATE product SET spec = jsonb_set(spec, '{name}', $2::jsonb) WHERE code = $1`, [p.code, JSON.stringify(long(i))]);
  }
  const tariffs = await core.db.query<{ code: string }>('SELECT code FROM tariff_plan ORDER BY code');
  for (const [i, t] of tariffs.entries()) {
    await core.db.query(`UPDATE tariff_plan SET spec = jsonb_set(spec, '{name}', $2::jsonb) WHERE code = $1`, [t.code, JSON.stringify(long(i + 50))]);
  }
});
after(async () => {
  await app.close();
  await env.close();
});

const codes = ['*111#', '*152#', '*152*2#', '*111*2*2#', '*111*3*2#', '*111*4*2#', '*111*7#', '*111*8#', '*111*29#', '*111*1025#', '*111*6*3#', '*111*6#'];
const inputs = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '9', '00', '0') },
  { weight: 1, arbitrary: fc.constantFrom('', '😀', '99', 'abc', '1*2', '#') },
);

for (const v of [
  { name: 'ru', language: 'ru', script: 'cyrillic' },
  { name: 'en', language: 'en', script: 'cyrillic' },
  { name: 'latin', language: 'ru', script: 'latin' },
] as const) {
  test(`property (${v.name}): random walks over long catalog names — every page fits its alphabet, money stays consistent`, async () => {
    const s = await makeSubscriber(core, { openingBalance: 500_000 });
    await updatePreferences(core, systemCtx('test'), { msisdn: s.msisdn, language: v.language, script: v.script });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...codes), fc.array(inputs, { maxLength: 10 }), async (code, steps) => {
        run += 1;
        const sessionId = `walk-${v.name}-${run}`;
        const history: string[] = [];
        await updatePreferences(core, systemCtx('test'), { msisdn: s.msisdn, language: v.language, script: v.script });
        const send = async (text: string) => {
          const res = await app.inject({ method: 'POST', url: '/gateways/ussd/http', payload: { sessionId, serviceCode: code, phoneNumber: s.msisdn, text } });
          assert.equal(res.statusCode, 200, res.body);
          assert.match(res.body, /^(CON|END) /);
          const page = res.body.slice(4);
          assert.ok(fitsPage(page), `${pageLength(page).length}/${pageLength(page).limit}: ${page}`);
          // Settings may switch the script during a walk: whenever it is Latin, the page is GSM-7 clean.
          // (A switch is an action: its answer is already in the new script.)
          const script = (await core.db.query<{ script: string }>('SELECT script FROM subscriber WHERE id = $1', [s.subscriberId]))[0]!.script;
          if (script === 'latin') assert.ok(isGsm7Basic(page), page);
          return res.body.startsWith('END ');
        };
        if (await send('')) return;
        for (const step of steps) {
          history.push(step);
          if (await send(history.join('*'))) return;
        }
      }),
      { numRuns: 40 },
    );
    const sum = await ledgerSum(core, s.accountId);
    assert.equal(sum.balance, Number(sum.sum));
  });
}
