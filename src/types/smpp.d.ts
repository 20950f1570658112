// Minimal types for the parts of the `smpp` package (0.5.1, untyped) that Abonent uses.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  export interface DecodedMessage {
    message: string | Buffer;
    /** Information elements of the user data header, each [iei, length, ...data]. */
    udh?: Buffer[];
  }

  export interface PDU {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    source_addr?: string;
    destination_addr?: string;
    esm_class?: number;
    data_coding?: number;
    registered_delivery?: number;
    message_id?: string;
    short_message?: DecodedMessage | Buffer | string;
    message_payload?: DecodedMessage | Buffer | string;
    ussd_service_op?: number;
    receipted_message_id?: string;
    message_state?: number;
    user_message_reference?: number;
    its_session_info?: Buffer;
    sar_msg_ref_num?: number;
    sar_total_segments?: number;
    sar_segment_seqnum?: number;
    [key: string]: unknown;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): PDU;
  }

  export interface PDUConstructor {
    new (command: string, options?: Record<string, unknown>): PDU;
  }

  export interface Session extends EventEmitter {
    readonly socket: Socket;
    server?: Server;
    send(pdu: PDU, responseCallback?: (resp: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    [command: string]: unknown;
  }

  export interface Server extends NetServer {
    sessions: Session[];
    on(event: 'session', listener: (session: Session) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    auto_enquire_link_period?: number;
  }

  interface Smpp {
    PDU: PDUConstructor;
    connect(options: ConnectOptions, listener?: () => void): Session;
    createServer(options?: Record<string, unknown>, listener?: (session: Session) => void): Server;
  }

  const smpp: Smpp;
  export default smpp;
}
