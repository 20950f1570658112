import type { Key } from './i18n.ts';

export interface NavItem {
  href: string;
  key: Key;
  icon: string;
}
export const NAV: NavItem[] = [
  { href: '/', key: 'navHome', icon: '⌂' },
  { href: '/services', key: 'navServices', icon: '☰' },
  { href: '/payments', key: 'navPayments', icon: '₽' },
  { href: '/detail', key: 'navDetail', icon: '≋' },
  { href: '/bills', key: 'navBills', icon: '▤' },
  { href: '/spending-changes', key: 'navBill', icon: '±' },
  { href: '/tariffs', key: 'navTariffs', icon: '◎' },
  { href: '/bonuses', key: 'navBonuses', icon: '★' },
  { href: '/sharing', key: 'navSharing', icon: '⇄' },
  { href: '/family', key: 'navFamily', icon: '♥' },
  { href: '/history', key: 'navHistory', icon: '↺' },
  { href: '/support', key: 'navSupport', icon: '?' },
  { href: '/settings', key: 'navSettings', icon: '⚙' },
];
