/**
 * What the gateway has accepted of a message sent in parts: the concatenation reference the parts
 * carry (their UDH), how many there are, and the gateway's id of each accepted part by its number
 * (1-based, as a string key: it is kept in sms_message.meta.parts).
 */
export interface PartProgress {
  ref: number;
  total: number;
  ids: Record<string, string>;
}

/**
 * Delivers one outbound SMS; adapters: the log (default), Kannel's HTTP interface, SMPP. `ref` is
 * the gateway's id of the message (kept in meta.ref); `refs` every part's id when it was split.
 * `retry` means the gateway could not take it now (link down, timeout, throttled, 5xx): the
 * outbox tries again later; `failed` is final (the gateway refused this message).
 *
 * A transport that splits a message itself (SMPP) is given `parts`, what an earlier attempt got
 * accepted, and sends only the missing parts under the same reference; it reports each step to
 * `onProgress` (first the reference, before any part leaves, then each accepted part), which the
 * outbox stores before the next attempt can start.
 */
export interface SmsTransport {
  readonly name: string;
  send(
    m: { id: number; msisdn: string; sender: string; text: string; parts?: PartProgress },
    onProgress?: (p: PartProgress) => Promise<void>,
  ): Promise<{ status: 'sent' | 'failed' | 'retry'; ref?: string; refs?: string[]; error?: string }>;
}
