// Shapes of the business portal API (src/domain/business/*), as the screens use them.
export type Role = 'contract_admin' | 'accountant' | 'department_manager';

export interface Overview {
  admin: { id: number; name: string; email: string; role: Role; departmentId: number | null };
  customer: { id: number; name: string; inn: string | null; orderApproval: boolean };
  departments: { id: number; name: string; numbers: number }[];
  regions: { code: string; numbers: number }[];
  can: { changeNumbers: boolean; changeContract: boolean; seeMoney: boolean; monthlyReports: boolean };
}

export interface NumberItem {
  msisdn: string;
  employeeName: string | null;
  regionCode: string;
  regionName: string;
  contractNumber: string | null;
  departmentId: number | null;
  departmentName: string | null;
  tariffCode: string;
  status: string;
  balance: number;
  monthSpend: number;
  limit: { amount: number; scope: string; action: string } | null;
  overLimit: boolean;
  suspendedExtras: { code: string; name: { ru: string; en: string } }[];
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

export interface Dashboard {
  month: string;
  previousMonth: string;
  numbers: number;
  total: number;
  previousTotal: number;
  change: { amount: number; percent: number | null };
  byMonth: { month: string; amount: number }[];
  byCategory: { category: Category; amount: number; previous: number }[];
  byRegion: { regionCode: string; regionName: string; amount: number; previous: number; numbers: number }[];
  byDepartment: { departmentId: number | null; departmentName: string | null; amount: number; previous: number; numbers: number }[];
  topSpenders: { msisdn: string; employeeName: string | null; departmentName: string | null; amount: number; previous: number }[];
  trafficByDay: { date: string; minutes: number; sms: number; gb: number; charged: number }[];
  payments: { total: number; count: number; previousTotal: number; byDay: { date: string; amount: number }[] };
}

export const BULK_KINDS = ['connect_product', 'disable_product', 'change_tariff', 'block', 'unblock', 'move_department'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];
export interface BulkOperation {
  id: string;
  kind: BulkKind;
  params: { productCode?: string; tariffCode?: string; departmentId?: number | null };
  status: 'queued' | 'running' | 'done';
  total: number;
  done: number;
  refused: number;
  pending: number;
  progress: number;
  createdAt: string;
  finishedAt: string | null;
}
export interface BulkItem {
  msisdn: string;
  status: 'pending' | 'done' | 'refused';
  code: string | null;
  reason: string | null;
  processedAt: string | null;
}

export interface LimitItem {
  msisdn: string;
  employeeName: string | null;
  amount: number;
  scope: 'tariff' | 'extras' | 'both';
  action: 'notify' | 'block_extras';
  month: string;
  spent: number;
  reachedAt: string | null;
  suspendedExtras: { code: string; name: { ru: string; en: string } }[];
}
export interface Contract {
  id: number;
  number: string;
  regionCode: string;
  numbers: number;
  /** The contract's credit pool L, shared by its numbers. */
  creditLimit: number;
  /** What the numbers owe together (D). */
  poolDebt: number;
  /** max(0, L − D). */
  poolRemaining: number;
  denyContent: boolean;
  deniedProducts: string[];
}

export type OrderStatus = 'created' | 'approved' | 'in_progress' | 'done' | 'rejected';
export interface Order {
  id: string;
  kind: 'sim_replacement' | 'number_change';
  status: OrderStatus;
  msisdn: string;
  employeeName: string | null;
  simType: 'physical' | 'esim' | null;
  newIccid: string | null;
  activationCode: string | null;
  oldMsisdn: string;
  newMsisdn: string | null;
  createdBy: number;
  approvedBy: number | null;
  rejectReason: string | null;
  requiresApproval: boolean;
  history: { at: string; status: OrderStatus; by: string; note?: string }[];
  createdAt: string;
}

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
