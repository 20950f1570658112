import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayBlock } from '../../src/domain/billing/balance-rules.ts';
import type { Tariff } from '../../src/domain/catalog/schema.ts';

const plan = (blockThreshold: number) => ({ blockThreshold }) as Tariff;

test('after charges only, the rules judge the accounts left below their tariff threshold, pooled ones, and ones whose tariff the batch did not read', () => {
  const accounts = [
    { id: 1, pool_contract_id: null }, // stays above its threshold
    { id: 2, pool_contract_id: null }, // falls below it
    { id: 3, pool_contract_id: 7 }, // pooled: its pool decides
    { id: 4, pool_contract_id: null }, // its number's tariff was not read (only a product fee was due)
    { id: 5, pool_contract_id: null }, // a plan that blocks above zero
    { id: 6, pool_contract_id: null }, // exactly at the threshold is not below it
  ];
  const funds = new Map([
    [1, 5_000],
    [2, -1],
    [3, 10_000],
    [4, 10_000],
    [5, 100],
    [6, -500],
  ]);
  const tariffOf = new Map([
    [1, plan(0)],
    [2, plan(0)],
    [3, plan(0)],
    [5, plan(200)],
    [6, plan(-500)],
  ]);
  assert.deepEqual(mayBlock(accounts, (id) => funds.get(id)!, tariffOf), [2, 3, 4, 5]);
  assert.deepEqual(mayBlock(accounts, () => 1_000_000, tariffOf), [3, 4], 'money left everywhere: only what the batch cannot judge alone');
});
