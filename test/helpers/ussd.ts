import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { fitsPage, isGsm7Basic } from '../../src/text/gsm7.ts';

export interface Page {
  status: number;
  end: boolean;
  text: string;
  body: string;
}

let sessions = 0;

/**
 * A handset behind an HTTP aggregator: it dials, then sends each input with the whole history
 * joined by '*', as the aggregators do. Every page is checked against its alphabet's limit.
 */
export function handset(app: FastifyInstance, msisdn: string, opts: { latin?: boolean; headers?: Record<string, string> } = {}) {
  let sessionId = '';
  let serviceCode = '*111#';
  let inputs: string[] = [];
  const pages: Page[] = [];
  const state = { latin: opts.latin ?? false };
  const hop = async (text: string): Promise<Page> => {
    const res = await app.inject({
      method: 'POST',
      url: '/gateways/ussd/http',
      headers: opts.headers ?? {},
      payload: { sessionId, serviceCode, phoneNumber: msisdn, text },
    });
    const body = res.body;
    assert.match(body, /^(CON|END) /, `reply must start with CON or END: ${body}`);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const page = { status: res.statusCode, end: body.startsWith('END '), text: body.slice(4), body };
    assert.ok(fitsPage(page.text), `page over its limit (${page.text.length}): ${page.text}`);
    if (state.latin) assert.ok(isGsm7Basic(page.text), `Latin page not GSM-7 clean: ${page.text}`);
    pages.push(page);
    return page;
  };
  return {
    pages,
    /** Whether pages must be GSM-7 Latin (switch off when the test changes the script back). */
    set latin(on: boolean) {
      state.latin = on;
    },
    get sessionId() {
      return sessionId;
    },
    async dial(code: string, id?: string): Promise<Page> {
      sessions += 1;
      sessionId = id ?? `sess-${sessions}-${msisdn}`;
      serviceCode = code;
      inputs = [];
      return hop('');
    },
    async send(input: string): Promise<Page> {
      inputs.push(input);
      return hop(inputs.join('*'));
    },
    /** Sends the same history again, as a gateway retrying a request does. */
    async repeat(): Promise<Page> {
      return hop(inputs.join('*'));
    },
    /** Finds the option whose line matches and chooses it, paging with 00 as a person would. */
    async pick(label: RegExp | string): Promise<Page> {
      for (let i = 0; i < 10; i++) {
        const current = pages[pages.length - 1]!;
        const line = current.text.split('\n').find((l) => /^\d+ /.test(l) && !/^0+ /.test(l) && (typeof label === 'string' ? l.includes(label) : label.test(l)));
        if (line) return this.send(line.split(' ')[0]!);
        assert.ok(/^00 /m.test(current.text), `no option ${String(label)} in: ${current.text}`);
        await this.send('00');
      }
      throw new Error(`option ${String(label)} not found`);
    },
  };
}
