/** Delivers one outbound SMS; adapters: the log (default), Kannel's HTTP interface, SMPP. */
export interface SmsTransport {
  readonly name: string;
  send(m: { id: number; msisdn: string; sender: string; text: string }): Promise<{ status: 'sent' | 'failed'; ref?: string; error?: string }>;
}
