import type { Core } from '../domain/core.ts';
import { systemCtx, type Ctx } from '../domain/shared/context.ts';
import { createTicket } from '../domain/support/create-ticket.ts';
import { setIdeaStatus } from '../domain/support/set-idea-status.ts';
import { staffReply } from '../domain/support/staff-reply.ts';
import { submitIdea } from '../domain/support/submit-idea.ts';
import { voteIdea } from '../domain/support/vote-idea.ts';
import { ensureTermsPublished } from '../domain/terms/current-terms.ts';

const as = (actor: Ctx['actor'], key: string): Ctx => ({ ...systemCtx('seed', 'cli'), actor, channel: 'web', idempotencyKey: `seed:${key}` });

/**
 * The support corner of the demo: the shipped terms of use published (the demo subscriber accepts
 * them at the first login), one ticket of the demo subscriber answered by staff, and a few ideas
 * with votes on the board.
 */
export async function seedSupportDemo(core: Core, who: { subscriberMsisdn: string; staffEmail: string; voterMsisdns: string[] }): Promise<void> {
  await ensureTermsPublished(core);
  const id = async (sql: string, param: string) => (await core.db.query<{ id: number }>(sql, [param]))[0]?.id;
  const subscriberId = await id('SELECT id FROM subscriber WHERE msisdn = $1', who.subscriberMsisdn);
  const staffId = await id('SELECT id FROM staff_user WHERE email = $1', who.staffEmail);
  if (subscriberId === undefined || staffId === undefined) throw new Error('seed the demo accounts before the support demo');
  const me = { kind: 'subscriber', subscriberId } as const;
  const staff = { kind: 'staff', staffId } as const;

  const ticket = await createTicket(core, as(me, 'ticket'), {
    msisdn: 'me',
    kind: 'question',
    subject: 'Как подключить роуминг?',
    text: 'Еду в Казахстан на неделю. Нужно ли что-то подключать, чтобы работали звонки и интернет?',
  });
  await staffReply(core, { ...as(staff, 'ticket-reply'), channel: 'staff' }, {
    id: ticket.id,
    text: 'Здравствуйте! Роуминг у вас уже включён. Для интернета в поездке советуем опцию «Интернет за границей» в разделе «Услуги». Хорошей поездки!',
  });

  const ideas = [
    { title: 'Перенос неизрасходованных гигабайт', text: 'Пусть остаток интернета переходит на следующий месяц, а не сгорает.', votes: 5, status: 'planned' as const },
    { title: 'Тёмная тема в личном кабинете', text: 'Вечером светлый экран слепит. Хочется тёмную тему.', votes: 3, status: 'new' as const },
    { title: 'Семейный счёт', text: 'Один баланс на несколько номеров семьи, с лимитами для детей.', votes: 1, status: 'new' as const },
  ];
  const voters: number[] = [];
  for (const m of who.voterMsisdns) {
    const v = await id('SELECT id FROM subscriber WHERE msisdn = $1', m);
    if (v !== undefined) voters.push(v);
  }
  for (const [i, idea] of ideas.entries()) {
    const author = voters[i % Math.max(voters.length, 1)] ?? subscriberId;
    const made = await submitIdea(core, as({ kind: 'subscriber', subscriberId: author }, `idea-${i}`), { title: idea.title, text: idea.text });
    for (const voter of voters.slice(0, idea.votes)) await voteIdea(core, as({ kind: 'subscriber', subscriberId: voter }, `vote-${i}-${voter}`), { id: made.id });
    if (idea.status !== 'new') await setIdeaStatus(core, { ...as(staff, `idea-status-${i}`), channel: 'staff' }, { id: made.id, status: idea.status });
  }
}
