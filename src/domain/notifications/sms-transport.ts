/**
 * Delivers one outbound SMS; adapters: the log (default), Kannel's HTTP interface, SMPP. `ref` is
 * the gateway's id of the message (kept in meta.ref); `refs` every part's id when it was split.
 */
export interface SmsTransport {
  readonly name: string;
  send(m: { id: number; msisdn: string; sender: string; text: string }): Promise<{ status: 'sent' | 'failed'; ref?: string; refs?: string[]; error?: string }>;
}
