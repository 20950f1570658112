import nodemailer from 'nodemailer';
import type { MailTransport } from '../../domain/notifications/mail-transport.ts';

/**
 * E-mail through an SMTP server (nodemailer): `url` is SMTP_URL (`smtp://user:pass@host:587`,
 * STARTTLS when the server offers it; `smtps://…:465` for TLS from the start), `from` is MAIL_FROM.
 * A 5xx reply is final (the server refused the message or its address); anything else that goes
 * wrong — no connection, a timeout, a 4xx reply — is tried again by the outbox.
 */
export function smtpTransport(opts: { url: string; from: string }): MailTransport & { close(): void } {
  const smtp = nodemailer.createTransport({ url: opts.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  const domain = /@([^>\s]+)>?\s*$/.exec(opts.from)?.[1] ?? 'abonent.local';
  return {
    name: 'smtp',
    async send(m) {
      try {
        const info = await smtp.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text, messageId: `<${m.messageId}@${domain}>` });
        return { status: 'sent', ref: String(info.messageId ?? '') };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        const error = `${e.responseCode ? `${e.responseCode} ` : ''}${e.message}`;
        return { status: e.responseCode !== undefined && e.responseCode >= 500 ? 'failed' : 'retry', error };
      }
    },
    close: () => smtp.close(),
  };
}
