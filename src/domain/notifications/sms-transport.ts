/**
 * Delivers one outbound SMS; adapters: the log (default), Kannel's HTTP interface, SMPP. `ref` is
 * the gateway's id of the message (kept in meta.ref); `refs` every part's id when it was split.
 * `retry` means the gateway could not take it now (link down, timeout, throttled, 5xx): the
 * outbox tries again later; `failed` is final (the gateway refused this message).
 */
export interface SmsTransport {
  readonly name: string;
  send(m: { id: number; msisdn: string; sender: string; text: string }): Promise<{ status: 'sent' | 'failed' | 'retry'; ref?: string; refs?: string[]; error?: string }>;
}
