import type { Named } from './format.ts';

export interface Quota {
  included: number;
  used: number;
  remaining: number;
}
export interface Balance {
  msisdn: string;
  balance: number;
  creditLimit: number;
  /** `company_pool`: a business number's credit comes from its company contract's shared limit. */
  creditSource?: 'own' | 'company_pool';
  available: number;
  asOf: string;
  status: string;
  remaining: { seconds: Quota; sms: Quota; bytes: Quota };
}
export interface Tariff {
  code: string;
  name: Named;
  description?: Named;
  fee: { model: string; amount: number };
  included: { sms?: number; dataMb?: number; minutes?: number };
  premium: boolean;
  segment: string;
  connectable: boolean;
  switchFee: number;
}
export interface CurrentTariff {
  tariff: Tariff;
  since: string;
  nextFeeAt: string | null;
}
export interface Spending {
  month: string;
  categories: { category: string; amount: number }[];
  total: number;
}
export interface Promised {
  available: boolean;
  reason: string | null;
  maxAmount: number;
  options: { amount: number; fee: number }[];
  termDays: number;
  active: null | { amount: number; fee: number; dueAt: string; [k: string]: unknown };
}
export interface ConnectedProduct {
  code: string;
  kind: string;
  name: Named;
  paid: boolean;
  content: boolean;
  monthlyCost: number;
  disableable: boolean;
  nextChargeAt: string | null;
  status: 'active' | 'suspended' | 'disabled' | 'limit_suspended';
}
export interface AvailableProduct {
  code: string;
  kind: string;
  name: Named;
  description: Named;
  chargeNow: number;
  monthlyCost: number;
  content: boolean;
  blockedBy: string | null;
}
export interface Ticket {
  id: string;
  kind: 'question' | 'complaint' | 'thanks' | 'wish';
  subject: string;
  status: 'open' | 'answered' | 'closed';
  priority: 'normal' | 'high';
  createdAt: string;
  updatedAt: string;
  messages: { id: string; author: 'subscriber' | 'staff'; text: string; createdAt: string }[];
  msisdn?: string;
  tariffName?: Named | string;
}
export interface Idea {
  id: string;
  title: string;
  text: string;
  votes: number;
  votedByMe: boolean;
  createdAt: string;
  status: 'new' | 'planned' | 'done' | 'declined';
}
