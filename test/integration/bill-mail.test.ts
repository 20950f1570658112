import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { smtpTransport } from '../../src/adapters/mail/smtp.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { issueDueBills } from '../../src/domain/bills/issue-bills.ts';
import type { Core } from '../../src/domain/core.ts';
import { drainMailOutbox, MAIL_RETRY_DELAYS_SECONDS } from '../../src/jobs/mail-outbox.ts';
import { makeCompany } from '../helpers/business.ts';
import { makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * Bills by e-mail link against a real SMTP server (smtp-server in this process, each message
 * parsed back with mailparser). `reject` makes the server answer the next messages' DATA with a
 * reply code (4xx: try later; 5xx: refused).
 */
let env: TestEnv;
let core: Core;
let app: Awaited<ReturnType<typeof testApp>>;
const received: ParsedMail[] = [];
const reject: number[] = [];
let smtp: SMTPServer;
let port: number;

before(async () => {
  env = await testCore();
  core = env.core;
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const code = reject.shift();
        if (code) return done(Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code }));
        simpleParser(Buffer.concat(chunks)).then((m) => {
          received.push(m);
          done();
        }, done);
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
  app = await testApp(core);
});
after(async () => {
  await app.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await env.close();
});

const transport = () => smtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'Abonent <bills@abonent.example>' });
const row = async (id: number) =>
  (await core.db.query<{ status: string; attempts: number; next_attempt_at: Date | null; meta: { error?: string } }>('SELECT status, attempts, next_attempt_at, meta FROM mail_message WHERE id = $1', [id]))[0]!;

async function subscriberWithBill(language: 'ru' | 'en', email: string | null) {
  env.clock.set('2026-05-05T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 12_345, language });
  env.clock.set('2026-05-31T21:30:00Z');
  await issueDueBills(core);
  const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const auth = { authorization: `Bearer ${token}` };
  if (email !== null) {
    const set = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/preferences', headers: auth, payload: { email } });
    assert.equal(set.statusCode, 200, set.body);
  }
  const list = await app.inject({ url: '/api/v1/subscribers/me/bills', headers: auth });
  const bill = list.json<{ items: { id: string; number: string }[] }>().items[0]!;
  return { ...s, auth, bill };
}

test('a bill by e-mail link: the mail arrives once through the outbox, in the account’s language, with the same link the SMS gives; a repeat with the same key sends nothing', async () => {
  for (const [lang, email, subject, words] of [
    ['ru', 'Ivan.Petrov@Mail.example', 'Счёт за май 2026 г.', ['Здравствуйте!', 'за май 2026 г. выставлен', 'Баланс на конец периода: 123,45', 'Открыть и скачать счёт']],
    ['en', 'jane@mail.example', 'Your bill for May 2026', ['Hello,', 'for May 2026 has been issued', 'Closing balance: RUB 123.45', 'Open and download the bill']],
  ] as const) {
    const s = await subscriberWithBill(lang, email);
    const profile = await app.inject({ url: '/api/v1/subscribers/me', headers: s.auth });
    assert.equal(profile.json<{ email: string }>().email, email.toLowerCase(), 'the profile keeps the address');
    const headers = { ...s.auth, 'idempotency-key': `mail-${lang}` };
    const sent = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${s.bill.id}/send`, headers, payload: { channel: 'email' } });
    assert.equal(sent.statusCode, 200, sent.body);
    const body = sent.json<{ channel: string; email: string; mailId: number }>();
    assert.equal(body.channel, 'email');
    assert.equal(body.email, email.toLowerCase());
    assert.equal((await row(body.mailId)).status, 'queued', 'queued in the request, sent by the job');
    const before = received.length;
    assert.equal(await drainMailOutbox(core, transport()), 1);
    assert.equal(received.length, before + 1);
    const mail = received.at(-1)!;
    assert.equal(mail.subject, subject);
    assert.deepEqual(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : [], [email.toLowerCase()]);
    assert.equal(mail.from?.value[0]?.address, 'bills@abonent.example');
    for (const w of words) assert.ok(mail.text?.includes(w), `"${w}" in: ${mail.text}`);
    assert.ok(mail.text?.includes(s.bill.number));
    const link = /(http\S+)/.exec(mail.text ?? '')?.[1];
    assert.equal(link, `http://localhost/bills?bill=${s.bill.id}`, 'the page of the bill in the account');
    assert.equal((await row(body.mailId)).status, 'sent');

    const again = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${s.bill.id}/send`, headers, payload: { channel: 'email' } });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json<{ mailId: number }>().mailId, body.mailId, 'the first answer again');
    assert.equal(await drainMailOutbox(core, transport()), 0);
    assert.equal(received.length, before + 1, 'no second mail');
    const [{ n }] = (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_message WHERE customer_id = $1', [s.customerId])) as [{ n: number }];
    assert.equal(n, 1);

    const sms = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${s.bill.id}/send`, headers: s.auth });
    assert.equal(sms.statusCode, 200, sms.body);
    const [text] = await core.db.query<{ text: string }>('SELECT text FROM sms_message WHERE id = $1', [sms.json<{ smsId: number }>().smsId]);
    assert.ok(text!.text.endsWith(link!), 'the SMS carries the same link');
  }
});

test('a failing SMTP server is tried again later; a refusal (5xx) is final; no address in the profile is refused in both languages', async () => {
  const s = await subscriberWithBill('ru', 'retry@mail.example');
  const sent = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${s.bill.id}/send`, headers: s.auth, payload: { channel: 'email' } });
  const id = sent.json<{ mailId: number }>().mailId;
  const before = received.length;

  // Nobody listening: the connection is refused.
  const closed = smtpTransport({ url: 'smtp://127.0.0.1:1', from: 'Abonent <bills@abonent.example>' });
  await drainMailOutbox(core, closed);
  let r = await row(id);
  assert.equal(r.status, 'queued');
  assert.equal(r.attempts, 1);
  assert.equal(r.next_attempt_at?.getTime(), env.clock.now().getTime() + MAIL_RETRY_DELAYS_SECONDS[0]! * 1000);
  assert.ok(r.meta.error, 'the error is kept');
  assert.equal(await drainMailOutbox(core, transport()), 0, 'not before its time');

  // The server answers 451 (try later).
  env.clock.advance(MAIL_RETRY_DELAYS_SECONDS[0]! * 1000);
  reject.push(451);
  await drainMailOutbox(core, transport());
  r = await row(id);
  assert.equal(r.status, 'queued');
  assert.equal(r.attempts, 2);
  assert.match(r.meta.error ?? '', /451/);
  assert.equal(received.length, before);

  env.clock.advance(MAIL_RETRY_DELAYS_SECONDS[1]! * 1000);
  assert.equal(await drainMailOutbox(core, transport()), 1);
  assert.equal((await row(id)).status, 'sent');
  assert.equal(received.length, before + 1, 'delivered once, at the third attempt');
  assert.equal(received.at(-1)!.subject, 'Счёт за май 2026 г.');

  const again = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${s.bill.id}/send`, headers: s.auth, payload: { channel: 'email' } });
  reject.push(550);
  await drainMailOutbox(core, transport());
  const refused = await row(again.json<{ mailId: number }>().mailId);
  assert.equal(refused.status, 'failed', 'a 5xx is not tried again');
  assert.match(refused.meta.error ?? '', /550/);

  const none = await subscriberWithBill('en', null);
  for (const [lang, words] of [
    ['ru', 'В профиле не указан адрес электронной почты'],
    ['en', 'There is no e-mail address in your profile'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${none.bill.id}/send`, headers: { ...none.auth, 'accept-language': lang }, payload: { channel: 'email' } });
    assert.equal(res.statusCode, 409, res.body);
    const p = res.json<{ code: string; title: string }>();
    assert.equal(p.code, 'EMAIL_MISSING');
    assert.ok(p.title.startsWith(words), p.title);
  }
  const bad = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/preferences', headers: none.auth, payload: { email: 'not an address' } });
  assert.equal(bad.statusCode, 400);
});

test("a contract's bill by e-mail goes to the admin's login address", async () => {
  env.clock.set('2026-05-05T09:00:00Z');
  const co = await makeCompany(core, 'ООО «Почта»', { regions: ['77'] });
  await co.number({ balance: 7_000 });
  env.clock.set('2026-05-31T21:30:00Z');
  await issueDueBills(core);
  const accountant = await co.admin('accountant');
  const b = { authorization: `Bearer ${accountant.token}` };
  const bill = (await app.inject({ url: '/api/v1/business/bills', headers: b })).json<{ items: { id: string }[] }>().items[0]!;
  const sent = await app.inject({ method: 'POST', url: `/api/v1/business/bills/${bill.id}/send`, headers: b, payload: { channel: 'email' } });
  assert.equal(sent.statusCode, 200, sent.body);
  const [admin] = await core.db.query<{ email: string }>('SELECT email FROM business_admin WHERE id = $1', [accountant.id]);
  assert.equal(sent.json<{ email: string }>().email, admin!.email);
  const before = received.length;
  await drainMailOutbox(core, transport());
  assert.equal(received.length, before + 1);
  assert.ok(received.at(-1)!.text?.includes(`/business/reports?bill=${bill.id}`));
});
