/**
 * Types for the parts of the `smpp` package (node-smpp 0.5) that Trunkline uses. The package
 * ships no types. It is only a codec: it leaves reconnects, response timeouts and windows to
 * us, and it never calls a response callback once the socket closes. Our connectors track
 * responses themselves, matching them by `sequence_number` from the `pdu` event.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    /** A request or response. Mandatory parameters and TLVs sit on the object by SMPP name. */
    class PDU {
      constructor(command: string, options?: Record<string, unknown>);
      /** Decodes one whole frame (header included); throws when its body cannot be read. */
      constructor(frame: Buffer);
      /**
       * Reads the rest of a frame whose `command_length` the session has read already; false
       * until all of it has arrived. The session's reader calls it through this property.
       */
      static fromStream(
        stream: { read(size: number): Buffer | null },
        commandLength: number,
      ): PDU | false;
      command: string;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      /** The PDU encoded for the wire, `command_length` filled in. */
      toBuffer(): Buffer;
      /** The matching `*_resp` (or `generic_nack` for an unknown command), same sequence number. */
      response(options?: Record<string, unknown>): PDU;
    }

    /**
     * One SMPP connection. Emits `connect`, `close`, `error` (followed by `close` for socket
     * errors, but not for framing errors), `pdu` and one event per command name.
     */
    class Session extends EventEmitter {
      socket: Socket;
      /** Assigns `sequence_number` to requests synchronously; false when the socket cannot write. */
      send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: () => void): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      pause(): void;
      resume(): void;
    }

    /** A `net.Server` whose connections arrive as `session` events. */
    class Server extends NetServer {
      sessions: Session[];
    }

    interface ConnectOptions {
      host: string;
      port: number;
      tls?: boolean;
      /** Sends enquire_link blindly; unused: it has no response timeout. */
      auto_enquire_link_period?: number;
    }

    interface ParamDefinition {
      type: unknown;
      default?: unknown;
      filter?: unknown;
    }

    interface CommandDefinition {
      id: number;
      params?: Record<string, ParamDefinition>;
      tlvMap?: Record<string, string>;
      [key: string]: unknown;
    }

    interface TlvDefinition {
      id: number;
      type: unknown;
      filter?: unknown;
      multiple?: boolean;
      [key: string]: unknown;
    }

    function connect(options: ConnectOptions, listener?: () => void): Session;
    function createServer(listener?: (session: Session) => void): Server;
    /** Registers (or replaces, process-wide) a command definition. */
    function addCommand(command: string, options: CommandDefinition): void;
    /** Registers (or replaces, process-wide) a TLV definition. */
    function addTLV(tag: string, options: TlvDefinition): void;

    const commands: Record<string, CommandDefinition>;
    const tlvs: Record<string, TlvDefinition>;
    const types: { tlv: { buffer: unknown } };
  }

  export = smpp;
}
