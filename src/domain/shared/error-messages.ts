import type { ErrorCode } from './errors.ts';
import { formatCount } from '../../text/format.ts';
import { formatMoney } from './money.ts';
import { formatMsisdn } from './msisdn.ts';

type Params = Record<string, string | number>;
type Template = (p: Params, money: (k: string) => string) => string;

/** A number named in a message, written as everywhere else. */
const num = (msisdn: string | number | undefined): string => formatMsisdn(String(msisdn ?? ''));

const TRANSFERS_RU = { one: 'передачу', few: 'передачи', many: 'передач', other: 'передачи' };
const TRANSFERS_EN = { one: 'transfer', other: 'transfers' };

/** A shared amount: whole gigabytes of data (`kind` data) or minutes. */
export function shareAmount(kind: unknown, n: number, lang: 'ru' | 'en'): string {
  if (kind === 'data') return lang === 'ru' ? `${formatCount(n, 'ru', { one: 'ГБ', few: 'ГБ', many: 'ГБ', other: 'ГБ' })}` : `${formatCount(n, 'en', { one: 'GB', other: 'GB' })}`;
  return lang === 'ru' ? formatCount(n, 'ru', { one: 'минута', few: 'минуты', many: 'минут', other: 'минуты' }) : formatCount(n, 'en', { one: 'minute', other: 'minutes' });
}

const shareReason: Record<string, { ru: string; en: string }> = {
  off: { ru: 'Делиться пакетом сейчас нельзя', en: 'Sharing packages is not available now' },
  tariff: { ru: 'На вашем тарифе делиться пакетом нельзя', en: 'Your tariff does not allow sharing your package' },
  tenure: { ru: 'Делиться пакетом можно после первых дней на связи', en: 'Sharing becomes available after your first days with us' },
  blocked: { ru: 'Номер заблокирован: делиться пакетом нельзя', en: 'The number is blocked: sharing is not possible' },
  self: { ru: 'Нельзя подарить пакет самому себе', en: 'You cannot give your package to yourself' },
  recipient: { ru: 'Получатель должен быть абонентом нашего оператора', en: 'The recipient must be a subscriber of our network' },
  kind: { ru: 'Этим видом пакета поделиться нельзя', en: 'This kind of package cannot be shared' },
};

/** The conflicts that say more than that the state has changed. */
const conflictReason: Record<string, { ru: (p: Params) => string; en: (p: Params) => string }> = {
  party_holds_numbers: {
    ru: (p) => `Клиента нельзя удалить: за ним ${formatCount(Number(p.count), 'ru', { one: 'номер', few: 'номера', many: 'номеров', other: 'номера' })}`,
    en: (p) => `The customer cannot be deleted: it holds ${formatCount(Number(p.count), 'en', { one: 'number', other: 'numbers' })}`,
  },
  party_holds_contracts: {
    ru: (p) => `Клиента нельзя удалить: у него ${formatCount(Number(p.count), 'ru', { one: 'договор', few: 'договора', many: 'договоров', other: 'договора' })}`,
    en: (p) => `The customer cannot be deleted: it has ${formatCount(Number(p.count), 'en', { one: 'contract', other: 'contracts' })}`,
  },
  party_has_history: {
    ru: () => 'Клиента нельзя удалить: у него есть история (лицевые счета, счета, письма), она хранится',
    en: () => 'The customer cannot be deleted: it has a history (accounts, bills, messages), which is kept',
  },
};
const conflictWords = (p: Params) => (Object.hasOwn(conflictReason, String(p.reason)) ? conflictReason[String(p.reason)] : undefined);

const familyReason: Record<string, { ru: string; en: string }> = {
  number: { ru: 'Это не номер телефона: нужно 11 цифр, 79XXXXXXXXX', en: 'That is not a phone number: 11 digits are needed, 79XXXXXXXXX' },
  self: { ru: 'Нельзя пригласить в семейную группу свой же номер', en: 'You cannot invite your own number' },
  recipient: { ru: 'Пригласить можно только абонента нашего оператора', en: 'Only a subscriber of our network can be invited' },
  in_group: { ru: 'Номер уже состоит в семейной группе', en: 'The number is already in a family group' },
  full: { ru: 'В семейной группе уже пять участников — больше нельзя', en: 'The family group already has five members, the most it may have' },
  not_head: { ru: 'Это может сделать только глава семейной группы', en: 'Only the head of the family group can do this' },
  not_member: { ru: 'Номер не состоит в вашей семейной группе', en: 'The number is not in your family group' },
  no_invitation: { ru: 'Приглашения в семейную группу нет или его срок истёк', en: 'There is no family group invitation, or it has expired' },
  head: { ru: 'Глава семейной группы не может вступить в другую', en: 'The head of a family group cannot join another' },
};

/** What each refusal says to a person, Russian first. Channels shorten or speak these. */
const messages: Record<ErrorCode, { ru: Template; en: Template }> = {
  VALIDATION: {
    ru: (p) => (p.field ? `Неверное значение поля «${p.field}»` : 'Неверные данные запроса'),
    en: (p) => (p.field ? `Invalid value of "${p.field}"` : 'Invalid request data'),
  },
  NOT_FOUND: { ru: () => 'Не найдено', en: () => 'Not found' },
  SUBSCRIBER_NOT_FOUND: { ru: () => 'Номер не найден', en: () => 'Number not found' },
  PRODUCT_NOT_FOUND: { ru: (p) => `Услуга «${p.product}» не найдена`, en: (p) => `Service "${p.product}" not found` },
  TARIFF_NOT_FOUND: { ru: (p) => `Тариф «${p.tariff}» не найден`, en: (p) => `Tariff "${p.tariff}" not found` },
  FORBIDDEN: {
    ru: (p) =>
      p.reason === 'operator_step'
        ? 'Этот шаг заявки выполняет оператор'
        : p.reason === 'admin_step'
          ? 'Этот шаг заявки выполняет администратор компании'
          : p.reason === 'api_key_scope'
            ? `Этому ключу API не дано право «${p.scope}»: нужен ключ с этим правом`
            : 'Недостаточно прав для этого действия',
    en: (p) =>
      p.reason === 'operator_step'
        ? 'The operator takes this step of an order'
        : p.reason === 'admin_step'
          ? "The company's administrator takes this step of an order"
          : p.reason === 'api_key_scope'
            ? `This API key is not given the scope "${p.scope}": a key with that scope is needed`
            : 'You are not allowed to do this',
  },
  UNAUTHENTICATED: { ru: () => 'Требуется вход', en: () => 'Please log in' },
  INVALID_CREDENTIALS: { ru: () => 'Неверный номер или пароль', en: () => 'Wrong number or password' },
  LOCKED_OUT: {
    ru: (p) => `Слишком много неудачных попыток. Повторите через ${Math.ceil(Number(p.retryAfterSeconds) / 60)} мин.`,
    en: (p) => `Too many failed attempts. Try again in ${Math.ceil(Number(p.retryAfterSeconds) / 60)} min.`,
  },
  RATE_LIMITED: {
    ru: (p) => `Слишком много запросов. Повторите через ${p.retryAfterSeconds} с`,
    en: (p) => `Too many requests. Try again in ${p.retryAfterSeconds} s`,
  },
  OTP_INVALID: { ru: () => 'Неверный код', en: () => 'Wrong code' },
  OTP_EXPIRED: { ru: () => 'Срок действия кода истёк, запросите новый', en: () => 'The code has expired, request a new one' },
  INSUFFICIENT_FUNDS: {
    ru: (_p, m) => `Недостаточно средств: нужно ${m('required')}, доступно ${m('available')}`,
    en: (_p, m) => `Not enough money: ${m('required')} needed, ${m('available')} available`,
  },
  PRODUCT_INCOMPATIBLE: {
    ru: (p) => `Услугу «${p.product}» нельзя подключить вместе с «${p.conflictsWith}»`,
    en: (p) => `"${p.product}" cannot be connected together with "${p.conflictsWith}"`,
  },
  PRODUCT_REQUIRES: {
    ru: (p) => `Для услуги «${p.product}» сначала подключите «${p.requires}»`,
    en: (p) => `"${p.product}" needs "${p.requires}" connected first`,
  },
  PRODUCT_NOT_ALLOWED_ON_TARIFF: {
    ru: (p) => `Услуга «${p.product}» недоступна на тарифе «${p.tariff}»`,
    en: (p) => `"${p.product}" is not available on the "${p.tariff}" tariff`,
  },
  PRODUCT_NOT_AVAILABLE: { ru: () => 'Недоступно для вашего номера', en: () => 'Not available for your number' },
  PRODUCT_NOT_CONNECTED: { ru: (p) => `Услуга «${p.product}» не подключена`, en: (p) => `"${p.product}" is not connected` },
  PRODUCT_NOT_DISABLEABLE: { ru: (p) => `Услугу «${p.product}» нельзя отключить`, en: (p) => `"${p.product}" cannot be disabled` },
  ALREADY_CONNECTED: { ru: (p) => `Услуга «${p.product}» уже подключена`, en: (p) => `"${p.product}" is already connected` },
  ALREADY_ON_TARIFF: { ru: (p) => `Вы уже на тарифе «${p.tariff}»`, en: (p) => `You are already on "${p.tariff}"` },
  CONTENT_BANNED: {
    ru: () => 'На номере включён запрет платного контента',
    en: () => 'Paid content is blocked on this number',
  },
  SUBSCRIBER_BLOCKED: { ru: () => 'Номер заблокирован', en: () => 'The number is blocked' },
  IDEMPOTENCY_KEY_REUSED: {
    ru: () => 'Ключ идемпотентности уже использован для другого запроса',
    en: () => 'The idempotency key was already used for a different request',
  },
  CONFLICT: {
    ru: (p) => conflictWords(p)?.ru(p) ?? 'Конфликт с текущим состоянием',
    en: (p) => conflictWords(p)?.en(p) ?? 'Conflicts with the current state',
  },
  PROMISED_PAYMENT_ACTIVE: {
    ru: () => 'Обещанный платёж уже подключён: новый можно взять после его погашения',
    en: () => 'A promised payment is already active: repay it before taking another',
  },
  PROMISED_PAYMENT_UNAVAILABLE: {
    ru: (p) => (p.reason === 'trust_limit' ? 'Обещанный платёж недоступен при подключённом доверительном лимите' : 'Обещанный платёж недоступен для этого номера'),
    en: (p) => (p.reason === 'trust_limit' ? 'A promised payment is not available while the trust limit is on' : 'A promised payment is not available for this number'),
  },
  AMOUNT_NOT_ALLOWED: {
    ru: (_p, m) => `Сумма должна быть от ${m('min')} до ${m('max')}`,
    en: (_p, m) => `The amount must be between ${m('min')} and ${m('max')}`,
  },
  TRUST_LIMIT_UNAVAILABLE: {
    ru: (p) =>
      p.reason === 'company_pool'
        ? 'Корпоративный номер пользуется общим кредитным лимитом договора компании: изменить его может только администратор договора'
        : p.reason === 'promised_payment'
          ? 'Сначала погасите обещанный платёж'
          : 'Доверительный лимит пока недоступен для этого номера',
    en: (p) =>
      p.reason === 'company_pool'
        ? "A corporate number uses the company contract's shared credit limit: only the contract's administrator can change it"
        : p.reason === 'promised_payment'
          ? 'Repay the promised payment first'
          : 'The trust limit is not available for this number yet',
  },
  PAYMENT_NOT_FOUND: { ru: () => 'Платёж не найден', en: () => 'Payment not found' },
  PAYMENT_FAILED: {
    ru: (p) => `Платёж не прошёл${p.reason ? `: ${p.reason}` : ''}`,
    en: (p) => `The payment failed${p.reason ? `: ${p.reason}` : ''}`,
  },
  PAYMENTS_UNAVAILABLE: {
    ru: () => 'Оплата картой сейчас недоступна: пополните баланс другим способом',
    en: () => 'Card payments are not available now: top up another way',
  },
  CARD_NOT_FOUND: { ru: () => 'Карта не найдена', en: () => 'Card not found' },
  INSUFFICIENT_POINTS: {
    ru: (p) => `Недостаточно бонусных баллов: нужно ${p.required}, доступно ${p.available}`,
    en: (p) => `Not enough bonus points: ${p.required} needed, ${p.available} available`,
  },
  REWARD_NOT_FOUND: { ru: (p) => `Бонус «${p.reward}» не найден`, en: (p) => `Reward "${p.reward}" not found` },
  INSTALLMENT_NOT_FOUND: { ru: () => 'Рассрочка не найдена', en: () => 'Installment plan not found' },
  REPORT_PERIOD_INVALID: {
    ru: (p) =>
      p.reason === 'order'
        ? 'Конец периода раньше его начала'
        : p.reason === 'future'
          ? 'Период не может заканчиваться позже сегодняшнего дня'
          : p.reason === 'too_old'
            ? `Детализация доступна не более чем за ${p.months} мес.: начало периода — не раньше ${String(p.earliest).split('-').reverse().join('.')}`
            : `Период не может быть длиннее ${p.months} мес.`,
    en: (p) =>
      p.reason === 'order'
        ? 'The period ends before it starts'
        : p.reason === 'future'
          ? 'The period cannot end after today'
          : p.reason === 'too_old'
            ? `Details are kept for ${p.months} months: the period cannot start before ${p.earliest}`
            : `The period cannot be longer than ${p.months} months`,
  },
  REPORT_NOT_READY: {
    ru: (p) => (p.status === 'failed' ? 'Отчёт не удалось сформировать, закажите его ещё раз' : 'Отчёт ещё готовится, мы пришлём SMS, когда он будет готов'),
    en: (p) => (p.status === 'failed' ? 'The report could not be made, please order it again' : 'The report is still being prepared; we will text you when it is ready'),
  },
  SERVICE_NOT_ALLOWED: {
    ru: (p) =>
      p.reason === 'limit'
        ? 'Лимит расходов номера в этом месяце исчерпан: платные дополнительные услуги заблокированы'
        : p.reason === 'content'
          ? 'Договор компании запрещает подписки на контент на корпоративных номерах'
          : `Договор компании не разрешает услугу «${p.product}» на корпоративных номерах`,
    en: (p) =>
      p.reason === 'limit'
        ? "The number's spending limit for this month is reached: paid extras are blocked"
        : p.reason === 'content'
          ? "The company's contract does not allow content subscriptions on corporate numbers"
          : `The company's contract does not allow "${p.product}" on corporate numbers`,
  },
  ALREADY_BLOCKED: { ru: () => 'Номер уже заблокирован', en: () => 'The number is already blocked' },
  NOT_BLOCKED: { ru: () => 'Номер не заблокирован', en: () => 'The number is not blocked' },
  ALREADY_IN_DEPARTMENT: { ru: () => 'Номер уже в этом подразделении', en: () => 'The number is already in this department' },
  ORDER_TRANSITION_INVALID: {
    ru: (p) => `Заявку в статусе «${p.from}» нельзя перевести в «${p.to}»`,
    en: (p) => `An order in status "${p.from}" cannot move to "${p.to}"`,
  },
  OWN_ORDER_APPROVAL: {
    ru: () => 'Заявку должен одобрить другой администратор',
    en: () => 'Another administrator must approve this order',
  },
  NUMBER_NOT_AVAILABLE: { ru: (p) => `Номер ${num(p.msisdn)} недоступен для выбора`, en: (p) => `The number ${num(p.msisdn)} is not available` },
  NUMBER_TAKEN: {
    ru: (p) => (p.by === 'subscriber' ? `Номер ${num(p.msisdn)} уже принадлежит абоненту` : `Номер ${num(p.msisdn)} уже есть в пуле номеров`),
    en: (p) => (p.by === 'subscriber' ? `The number ${num(p.msisdn)} already belongs to a subscriber` : `The number ${num(p.msisdn)} is already in the number pool`),
  },
  STAFF_EMAIL_TAKEN: { ru: (p) => `Сотрудник с адресом ${p.email} уже есть`, en: (p) => `A staff account with the email ${p.email} already exists` },
  NUMBER_INVALID: { ru: (p) => `${p.msisdn} — не номер телефона (диапазон выходит за пределы нумерации)`, en: (p) => `${p.msisdn} is not a phone number (the range runs past the numbering)` },
  BALANCE_LIMIT_EXCEEDED: {
    ru: () => 'Операция невозможна: баланс вышел бы за допустимые пределы',
    en: () => 'Not possible: the balance would leave the bounds an account may hold',
  },
  CALLBACK_NOT_ALLOWED: {
    ru: (p) => `Адрес обратного вызова не разрешён: ${p.reason ?? 'внутренний или служебный адрес'}`,
    en: (p) => `The callback address is not allowed: ${p.reason ?? 'an internal or reserved address'}`,
  },
  CROSS_SITE_REQUEST: {
    ru: () => 'Запрос пришёл с другого сайта и отклонён. Откройте личный кабинет по его адресу и повторите.',
    en: () => 'The request came from another site and was refused. Open the account at its own address and try again.',
  },
  CURSOR_INVALID: {
    ru: () => 'Неверный курсор страницы: передайте nextCursor из предыдущего ответа этого же списка',
    en: () => 'Invalid page cursor: pass the nextCursor of the previous page of the same list',
  },
  SHARE_NOT_ALLOWED: {
    ru: (p) => shareReason[String(p.reason)]?.ru ?? 'Поделиться пакетом с этим номером нельзя',
    en: (p) => shareReason[String(p.reason)]?.en ?? 'You cannot share your package with this number',
  },
  SHARE_AMOUNT_NOT_ALLOWED: {
    ru: (p) => `Можно подарить от ${shareAmount(p.kind, Number(p.min), 'ru')} до ${shareAmount(p.kind, Number(p.max), 'ru')}`,
    en: (p) => `You can give from ${shareAmount(p.kind, Number(p.min), 'en')} to ${shareAmount(p.kind, Number(p.max), 'en')}`,
  },
  SHARE_LIMIT_REACHED: {
    ru: (p) =>
      p.period === 'day'
        ? `Сегодня вы уже сделали ${formatCount(Number(p.limit), 'ru', TRANSFERS_RU)} — больше нельзя. Попробуйте завтра`
        : `В этом месяце вы уже сделали ${formatCount(Number(p.limit), 'ru', TRANSFERS_RU)} — больше нельзя`,
    en: (p) =>
      p.period === 'day'
        ? `You have made ${formatCount(Number(p.limit), 'en', TRANSFERS_EN)} today, the most a day allows. Try tomorrow`
        : `You have made ${formatCount(Number(p.limit), 'en', TRANSFERS_EN)} this month, the most a month allows`,
  },
  FAMILY_NOT_ALLOWED: {
    ru: (p) => familyReason[String(p.reason)]?.ru ?? 'Это действие с семейной группой недоступно',
    en: (p) => familyReason[String(p.reason)]?.en ?? 'This family group action is not available',
  },
  DATA_CAP_LIFT_NOT_ALLOWED: {
    ru: (p) =>
      p.reason === 'off'
        ? 'Интернет сверх пакета и так разрешён: продлевать нечего'
        : 'Продлить интернет сверх пакета за плату сейчас нельзя',
    en: (p) => (p.reason === 'off' ? 'Data beyond your packages is already allowed: there is nothing to lift' : 'Data beyond your packages cannot be bought now'),
  },
  INSUFFICIENT_ALLOWANCE: {
    ru: (p) => `В пакете не хватает: нужно ${shareAmount(p.kind, Number(p.required), 'ru')}, осталось ${shareAmount(p.kind, Number(p.available), 'ru')}`,
    en: (p) => `Not enough left in your package: ${shareAmount(p.kind, Number(p.required), 'en')} needed, ${shareAmount(p.kind, Number(p.available), 'en')} left`,
  },
  SOCIAL_PROVIDER_UNKNOWN: {
    ru: (p) => `Вход через «${p.provider}» не настроен у оператора`,
    en: (p) => `Login with "${p.provider}" is not set up by the operator`,
  },
  SOCIAL_LOGIN_FAILED: {
    ru: () => 'Не удалось подтвердить вход через соцсеть. Начните вход заново.',
    en: () => 'The social login could not be verified. Please start the login again.',
  },
  SOCIAL_NOT_LINKED: {
    ru: () => 'Эта учётная запись соцсети не привязана ни к одному номеру. Войдите по паролю или коду из SMS и привяжите её в настройках.',
    en: () => 'This social account is not linked to any number. Log in with your password or an SMS code and link it in the settings.',
  },
  SOCIAL_ACCOUNT_TAKEN: {
    ru: () => 'Эта учётная запись соцсети уже привязана к другому номеру',
    en: () => 'This social account is already linked to another number',
  },
  LOCATION_UNAVAILABLE: {
    ru: (p) =>
      p.reason === 'NOT_FOUND'
        ? 'Сеть не знает этот номер'
        : p.reason === 'MAX_AGE'
          ? 'Телефон сейчас не в сети: свежего местоположения нет'
          : p.reason === 'MAX_SURFACE'
            ? 'Сеть не может определить место точнее'
            : 'Не удалось определить местоположение. Попробуйте позже.',
    en: (p) =>
      p.reason === 'NOT_FOUND'
        ? 'The network does not know this number'
        : p.reason === 'MAX_AGE'
          ? 'The phone is offline: no recent location'
          : p.reason === 'MAX_SURFACE'
            ? 'The network cannot place the phone more precisely'
            : 'The location could not be found. Please try again later.',
  },
  LOCATOR_NO_CONSENT: {
    ru: (p) =>
      p.state === 'pending'
        ? `Абонент ${num(p.msisdn)} ещё не ответил на запрос согласия`
        : p.state === 'refused' || p.state === 'revoked'
          ? `Абонент ${num(p.msisdn)} не разрешил определять его местоположение`
          : `Нет согласия абонента ${num(p.msisdn)}. Сначала запросите его.`,
    en: (p) =>
      p.state === 'pending'
        ? `${num(p.msisdn)} has not answered the consent request yet`
        : p.state === 'refused' || p.state === 'revoked'
          ? `${num(p.msisdn)} has not allowed you to see their location`
          : `No consent from ${num(p.msisdn)}. Ask for it first.`,
  },
  EMAIL_MISSING: {
    ru: () => 'В профиле не указан адрес электронной почты: добавьте его, чтобы получать счета письмом',
    en: () => 'There is no e-mail address in your profile: add one to receive bills by e-mail',
  },
  VOICEMAIL_SETTING: {
    ru: (p) => `Время ожидания ответа — от ${p.min} до ${p.max} секунд`,
    en: (p) => `The time to wait for an answer must be ${p.min} to ${p.max} seconds`,
  },
  VOICEMAIL_AUDIO: {
    ru: (p) =>
      p.reason === 'length'
        ? `Приветствие должно быть не длиннее ${p.max} секунд`
        : p.reason === 'empty'
          ? 'Запись приветствия пустая или слишком короткая'
          : 'Не удалось прочитать запись: загрузите звуковой файл WAV',
    en: (p) =>
      p.reason === 'length'
        ? `The greeting must be ${p.max} seconds long at most`
        : p.reason === 'empty'
          ? 'The greeting recording is empty or too short'
          : 'The recording could not be read: upload a WAV sound file',
  },
  MELODY_NOT_FOUND: { ru: () => 'Такой мелодии нет в каталоге', en: () => 'There is no such melody in the catalog' },
  MELODY_NOT_BOUGHT: { ru: () => 'Этой мелодии нет в вашей фонотеке: сначала купите её', en: () => 'This melody is not in your library: buy it first' },
  MELODY_ALREADY_BOUGHT: { ru: (p) => `Мелодия «${p.melody}» уже в вашей фонотеке`, en: (p) => `"${p.melody}" is already in your library` },
  USAGE_DETAIL_DROPPED: {
    ru: (p) => `Записи об использовании до ${String(p.from).split('-').reverse().join('.')} больше не хранятся: за то время остались только суммы по дням`,
    en: (p) => `Usage records before ${p.from} are no longer kept: only daily totals remain for that time`,
  },
};

export function errorMessage(code: ErrorCode, params: Params, lang: 'ru' | 'en'): string {
  const money = (k: string) => {
    const v = params[k];
    return typeof v === 'number' ? formatMoney(v, lang) : String(v ?? '');
  };
  return messages[code][lang](params, money);
}
