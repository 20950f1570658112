import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// The layer rules of eslint.config.js, run on code placed (virtually) inside the tree: a rule that
// stops matching — a pattern that misses a relative form, a folder that moved — fails here. Only
// the layer rules run, without type information, so this takes well under a second after load.
const root = fileURLToPath(new URL('../..', import.meta.url));
const layerRules = new Set(['no-restricted-imports', 'no-restricted-syntax']);
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [tseslint.configs.disableTypeChecked],
  ruleFilter: ({ ruleId }) => layerRules.has(ruleId),
});

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  assert.ok(result, `no lint result for ${filePath}`);
  assert.deepEqual(result.messages.filter((m) => m.fatal), [], `${filePath} did not parse`);
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const importing = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;

const refused: [file: string, spec: string, says: RegExp][] = [
  // A channel importing another channel, from every depth and in both relative forms.
  ['src/channels/http/plugin-x.ts', '../sms/handle-mo.ts', /Channels never import each other/],
  ['src/channels/http/routes/x.ts', '../../ussd/menu.ts', /Channels never import each other/],
  ['src/channels/http/routes/a/x.ts', '../../../voice/voice-menu.ts', /Channels never import each other/],
  ['src/channels/phone/x.ts', '../voice/voice-texts.ts', /Channels never import each other/],
  ['src/channels/voice/x.ts', '../../channels/phone/vxml-read.ts', /Channels never import each other/],
  ['src/channels/tmf/x.ts', '../../../src/channels/http/errors.ts', /Channels never import each other/],
  // The domain importing a channel, a job or the composition root.
  ['src/domain/billing/x.ts', '../../channels/sms/commands.ts', /The domain does not know about channels/],
  ['src/domain/x.ts', '../channels/tmf/hub.ts', /The domain does not know about channels/],
  ['src/domain/ledger/x.ts', '../../jobs/scheduler.ts', /never the other way/],
  ['src/domain/events/x.ts', '../../server.ts', /composition root/],
  ['src/domain/shared/x.ts', '../../runtime.ts', /composition root/],
  ['src/domain/payments/x.ts', 'pg', /No database driver/],
  // A job importing a channel, the CLI or the seed.
  ['src/jobs/x.ts', '../channels/sms/handle-mo.ts', /Jobs do not import channels/],
  ['src/jobs/x.ts', '../cli/commands.ts', /Jobs do not import the CLI or the seed/],
  // src/text importing anything from src/ outside itself.
  ['src/text/x.ts', '../domain/shared/money.ts', /src\/text is the lowest layer/],
  ['src/text/voice/x.ts', '../../domain/shared/context.ts', /src\/text is the lowest layer/],
];

test('the layer rules refuse an upward or sideways import, from any depth', async () => {
  for (const [file, spec, says] of refused) {
    const errors = await layerErrors(file, importing(spec));
    assert.equal(errors.length, 1, `${file} importing ${spec}: ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, says, `${file} importing ${spec}`);
  }
});

const allowed: [file: string, spec: string][] = [
  ['src/channels/http/routes/x.ts', '../../../domain/subscribers/get-balance.ts'],
  ['src/channels/http/routes/x.ts', '../errors.ts'],
  ['src/channels/voice/x.ts', './voice-menu.ts'],
  ['src/channels/voice/x.ts', '../../text/price.ts'],
  ['src/domain/billing/x.ts', '../shared/errors.ts'],
  ['src/domain/billing/x.ts', '../../text/price.ts'],
  ['src/domain/billing/x.ts', '../../store/db.ts'],
  ['src/jobs/x.ts', '../domain/events/deliver-hub-events.ts'],
  ['src/jobs/x.ts', './lease.ts'],
  ['src/text/x.ts', './price-facts.ts'],
  ['src/text/voice/x.ts', '../price.ts'],
  ['src/server.ts', './channels/http/plugin.ts'],
];

test('the layer rules let the allowed imports through', async () => {
  for (const [file, spec] of allowed) {
    assert.deepEqual(await layerErrors(file, importing(spec)), [], `${file} importing ${spec}`);
  }
});

test('a real nested channel file with a cross-channel import added is refused, and clean without it', async () => {
  const file = 'src/channels/http/routes/business.ts';
  const code = readFileSync(`${root}${file}`, 'utf8');
  assert.deepEqual(await layerErrors(file, code), []);
  const errors = await layerErrors(file, `import { x as _crossed } from '../../sms/commands.ts';\n${code}`);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0]!, /Channels never import each other/);
});

test('a file nested deeper than the per-depth rules cover is refused', async () => {
  const errors = await layerErrors('src/domain/a/b/c/d/e/x.ts', importing('./y.ts'));
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0]!, /Nested deeper than the layer lint rules cover/);
});
