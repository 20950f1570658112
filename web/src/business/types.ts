// Shapes of the business portal API as the screens use them: those the OpenAPI document states
// come from the generated web/src/api-types.ts (through api-shapes.ts); the app never imports src/.
export type { BulkItem, BulkOperation, Contract, Dashboard, LimitItem, MonthlyReport, NumberItem, NumberList, Order, Overview } from '../api-shapes.ts';
import type { CatalogProduct, CatalogTariff, Order, Overview } from '../api-shapes.ts';

export type Role = Overview['admin']['role'];

export const CATEGORIES = ['subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];


export const BULK_KINDS = ['connect_product', 'disable_product', 'change_tariff', 'block', 'unblock', 'move_department'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];


export type OrderStatus = Order['status'];

/** What a code picker needs of a catalog entry (a tariff or a product). */
export type CatalogItem = Pick<CatalogTariff | CatalogProduct, 'code' | 'name'>;
