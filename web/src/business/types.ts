// Shapes of the business portal API as the screens use them. The server's own view types are
// imported type-only (erased from the bundle), so each shape is defined once.
import type { NumberListItem } from '../../../src/domain/business/list-numbers.ts';
import type { OrderView } from '../../../src/domain/business/orders.ts';
import type { Dashboard as DashboardView } from '../../../src/domain/business/dashboard.ts';
import type { BulkItemView, BulkOperationView } from '../../../src/domain/business/bulk.ts';
import type { ContractView, NumberLimitView } from '../../../src/domain/business/limits.ts';

export type NumberItem = NumberListItem;
export type Order = OrderView;
export type Dashboard = DashboardView;
export type BulkOperation = BulkOperationView;
export type BulkItem = BulkItemView;
export type LimitItem = NumberLimitView;
export type Contract = ContractView;
export type Role = 'contract_admin' | 'accountant' | 'department_manager';

export interface Overview {
  admin: { id: number; name: string; email: string; role: Role; departmentId: number | null };
  customer: { id: number; name: string; inn: string | null; orderApproval: boolean };
  departments: { id: number; name: string; numbers: number }[];
  regions: { code: string; numbers: number }[];
  can: { changeNumbers: boolean; changeContract: boolean; seeMoney: boolean; monthlyReports: boolean };
}

export interface NumberList {
  month: string;
  total: number;
  offset: number;
  limit: number;
  items: NumberItem[];
}

export const CATEGORIES = ['subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];


export const BULK_KINDS = ['connect_product', 'disable_product', 'change_tariff', 'block', 'unblock', 'move_department'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];


export type OrderStatus = 'created' | 'approved' | 'in_progress' | 'done' | 'rejected';

export interface MonthlyReport {
  id: string;
  month: string;
  language: 'ru' | 'en';
  total: number;
  createdAt: string;
  formats: ('csv' | 'xlsx' | 'pdf')[];
}

export interface CatalogItem {
  code: string;
  name: { ru: string; en: string };
  kind?: string;
  segment?: string;
}
