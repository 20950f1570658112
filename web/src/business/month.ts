/**
 * The business portal counts months in Moscow time, the zone of contracts and invoices (the
 * server's BUSINESS_ZONE): the month running there now, `YYYY-MM`, whatever the device's own zone.
 */
export function businessMonthNow(now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit' }).formatToParts(now);
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}
