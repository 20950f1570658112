// The lint rule that keeps the web app apart from the server: nothing in web/src imports src/
// (or anything else outside web/src). Checked with ESLint's own Node API on text given for files
// of web/src, at each depth the rule is written for.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** The messages of the layering rule for `code` as if it were the file at `path` (relative to the repository). */
async function layering(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  assert.ok(result, path);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('web/src importing src/ fails lint, at any depth of web/src', async () => {
  const cases: [string, string][] = [
    ['web/src/format.ts', "import type { Money } from '../../src/domain/shared/money.ts';\nexport type M = Money;\n"],
    ['web/src/pages/detail.tsx', "import type { UsageItem } from '../../../src/domain/reports/list-usage.ts';\nexport type U = UsageItem;\n"],
    ['web/src/business/types.ts', "export type { OrderView } from '../../../src/domain/business/orders.ts';\n"],
    ['web/src/pages/staff.tsx', "import { formatMoney } from '../../../src/domain/shared/money.ts';\nexport const f = formatMoney;\n"],
  ];
  for (const [path, code] of cases) {
    const found = await layering(path, code);
    assert.equal(found.length, 1, `${path}: ${JSON.stringify(found)}`);
    assert.match(found[0]!, /web\/src does not import from outside web\/src, and never from src\//);
  }
});

test('web/src importing inside web/src and packages passes', async () => {
  assert.deepEqual(await layering('web/src/pages/detail.tsx', "import type { UsageItem } from '../api-shapes.ts';\nimport { useState } from 'react';\nexport type U = UsageItem;\nexport const s = useState;\n"), []);
  assert.deepEqual(await layering('web/src/format.ts', "import type { Lang } from './i18n.ts';\nexport type L = Lang;\n"), []);
  assert.deepEqual(await layering('web/src/business/types.ts', "export type { Order } from '../api-shapes.ts';\n"), []);
});
