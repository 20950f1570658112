import type { Lang } from './i18n.ts';

// Audit action codes as a person reads them; anything not listed reads as a generic action, never its code.
const names: Record<string, [string, string]> = {
  'auth.login': ['Вход', 'Login'],
  'auth.code_requested': ['Запрошен код входа', 'Login code requested'],
  'auth.logout_everywhere': ['Выход на всех устройствах', 'Logged out everywhere'],
  'auth.password_changed': ['Пароль изменён', 'Password changed'],
  'auth.password_sent': ['Пароль отправлен по SMS', 'Password sent by SMS'],
  'app_link.send': ['Ссылка на приложение', 'App link sent'],
  'autopay.off': ['Автоплатёж выключен', 'Auto-payment off'],
  'autopay.set': ['Автоплатёж настроен', 'Auto-payment set'],
  'balance.adjust': ['Корректировка баланса', 'Balance adjustment'],
  'balance.transfer': ['Перевод', 'Transfer'],
  'bonus.exchange': ['Обмен баллов', 'Points exchanged'],
  'card.remove': ['Карта удалена', 'Card removed'],
  'content.ban': ['Запрет платного контента', 'Paid content block'],
  'content.stop_all': ['Отключены платные подписки', 'Paid content stopped'],
  'idea.submit': ['Предложена идея', 'Idea submitted'],
  'idea.vote': ['Голос за идею', 'Idea vote'],
  'idea.unvote': ['Голос отозван', 'Vote withdrawn'],
  'installment.create': ['Рассрочка оформлена', 'Installment plan opened'],
  'installment.pay': ['Платёж по рассрочке', 'Installment paid'],
  'installment.collect': ['Списание по рассрочке', 'Installment collected'],
  'payment.card': ['Оплата картой', 'Card payment'],
  'payment.start': ['Пополнение начато', 'Top-up started'],
  'payment.succeeded': ['Платёж зачислен', 'Payment credited'],
  'payment.refund': ['Возврат платежа', 'Payment refunded'],
  'preferences.update': ['Настройки изменены', 'Preferences changed'],
  'product.connect': ['Подключение услуги', 'Service connected'],
  'product.disable': ['Отключение услуги', 'Service disabled'],
  'product.suspend': ['Услуга приостановлена', 'Service suspended'],
  'product.resume': ['Услуга возобновлена', 'Service resumed'],
  'promised.take': ['Обещанный платёж', 'Promised payment'],
  'promised.expire': ['Срок обещанного платежа истёк', 'Promised payment expired'],
  'report.order': ['Заказ детализации', 'Detail report ordered'],
  'share.give': ['Подарок пакета', 'Package gift given'],
  'share.receive': ['Получен подарок', 'Package gift received'],
  'report.download': ['Детализация скачана', 'Detail report downloaded'],
  'report.generate': ['Детализация сформирована', 'Detail report made'],
  'balance.read': ['Запрос баланса', 'Balance checked'],
  'balance.reserve': ['Резерв средств', 'Funds reserved'],
  'topup': ['Пополнение', 'Top-up'],
  'installment.overdue': ['Просрочен платёж по рассрочке', 'Installment overdue'],
  'subscriber.block_request': ['Запрос блокировки', 'Block requested'],
  'subscriber.unblock_request': ['Запрос разблокировки', 'Unblock requested'],
  'business.limit.reached': ['Достигнут лимит расходов', 'Spending limit reached'],
  'business.limit.set': ['Лимит расходов установлен', 'Spending limit set'],
  'business.limit.remove': ['Лимит расходов снят', 'Spending limit removed'],
  'business.limit.suspend': ['Платные услуги приостановлены по лимиту', 'Paid extras suspended by the limit'],
  'business.limit.resume': ['Платные услуги возобновлены', 'Paid extras resumed'],
  'business.number.move': ['Номер переведён в другой отдел', 'Number moved to another department'],
  'usage.ingest': ['Учтены звонки и трафик', 'Usage recorded'],
  'subscriber.provision': ['Номер подключён', 'Number activated'],
  'subscriber.block': ['Номер заблокирован', 'Number blocked'],
  'subscriber.unblock': ['Номер разблокирован', 'Number unblocked'],
  'support.ticket_create': ['Обращение в поддержку', 'Support ticket'],
  'support.ticket_message': ['Сообщение в обращении', 'Ticket message'],
  'support.ticket_reply': ['Ответ поддержки', 'Support reply'],
  'tariff.change': ['Смена тарифа', 'Tariff changed'],
  'terms.accept': ['Приняты условия использования', 'Terms accepted'],
  'trust.set': ['Доверительный лимит', 'Trust limit'],
  'widget.token_create': ['Создан виджет', 'Widget created'],
  'widget.token_revoke': ['Виджет отозван', 'Widget revoked'],
};

const channels: Record<string, [string, string]> = {
  web: ['веб', 'web'],
  app: ['приложение', 'app'],
  ussd: ['USSD', 'USSD'],
  sms: ['SMS', 'SMS'],
  voice: ['голосовое меню', 'voice'],
  cli: ['оператор', 'operator'],
  staff: ['сотрудник', 'staff'],
  tmf: ['TM Forum API', 'TM Forum API'],
  system: ['система', 'system'],
  business: ['бизнес-кабинет', 'business portal'],
};

export const actionName = (code: string, lang: Lang): string => names[code]?.[lang === 'ru' ? 0 : 1] ?? (lang === 'ru' ? 'Действие с номером' : 'Action on the number');
export const channelName = (code: string, lang: Lang): string => channels[code]?.[lang === 'ru' ? 0 : 1] ?? (lang === 'ru' ? 'другой' : 'other');

const methods: Record<string, [string, string]> = {
  password: ['по паролю', 'with a password'],
  sms_code: ['по коду из SMS', 'with an SMS code'],
  header_enrichment: ['через мобильную сеть', 'over the mobile network'],
  'password+sms': ['по паролю и коду из SMS', 'with a password and an SMS code'],
};

/** How a session was opened, in words. */
export const loginMethodName = (code: string, lang: Lang): string => methods[code]?.[lang === 'ru' ? 0 : 1] ?? (lang === 'ru' ? 'другим способом' : 'another way');

/** The audit actions and channels a person can pick from (staff's audit search), by name. */
export const actionChoices = (lang: Lang): { code: string; name: string }[] =>
  Object.keys(names)
    .map((code) => ({ code, name: actionName(code, lang) }))
    .sort((a, b) => a.name.localeCompare(b.name, lang));
export const channelChoices = (lang: Lang): { code: string; name: string }[] => Object.keys(channels).map((code) => ({ code, name: channelName(code, lang) }));
