/**
 * Delivers one outbound e-mail; adapters: SMTP (`SMTP_URL`) and the recorder (the default: the
 * message stays in the store's outbox as sent, and the log says so). `retry` means the server
 * could not take it now (connection refused or lost, a 4xx reply): the outbox tries again later;
 * `failed` is final (a 5xx reply: the server refused this message or its address). `messageId`
 * is the same on every attempt, so a receiver can tell a resend after a lost answer.
 */
export interface MailTransport {
  readonly name: string;
  send(m: { id: number; to: string; subject: string; text: string; messageId: string }): Promise<{ status: 'sent' | 'failed' | 'retry'; ref?: string; error?: string }>;
}
