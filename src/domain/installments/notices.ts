import { formatMoney } from '../shared/money.ts';

/** SMS texts of the installment job, in the subscriber's language. */
export function reminderText(lang: 'ru' | 'en', n: { device: string; amount: number; date: string }): string {
  return lang === 'ru'
    ? `Рассрочка за «${n.device}»: ${n.date} с баланса будет списан платёж ${formatMoney(n.amount, 'ru')}. Проверьте, что на балансе достаточно средств.`
    : `Installment for "${n.device}": ${formatMoney(n.amount, 'en')} will be taken from your balance on ${n.date}. Please make sure the balance covers it.`;
}

export function overdueText(lang: 'ru' | 'en', n: { device: string; amount: number }): string {
  return lang === 'ru'
    ? `Рассрочка за «${n.device}»: не удалось списать платёж ${formatMoney(n.amount, 'ru')}, на балансе недостаточно средств. Пополните баланс — платёж спишется автоматически.`
    : `Installment for "${n.device}": the payment of ${formatMoney(n.amount, 'en')} could not be taken, the balance is too low. Top up and it will be taken automatically.`;
}
