import smpp from 'smpp';

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

/** One ESME connection to the simulator. */
export interface SmscClient {
  session: smpp.Session;
  systemId?: string;
  /** Unset until a bind succeeds. */
  mode?: BindMode;
  /** Rejecters of requests awaiting a response on this connection. */
  waiting: Set<(reason: Error) => void>;
}

export function createClient(session: smpp.Session): SmscClient {
  return { session, waiting: new Set() };
}

/** Bound in a mode that receives `deliver_sm` (DLRs and MO). */
export function canReceive(client: SmscClient): boolean {
  return client.mode === 'transceiver' || client.mode === 'receiver';
}

/** Bound in a mode that may `submit_sm`. */
export function canTransmit(client: SmscClient): boolean {
  return client.mode === 'transceiver' || client.mode === 'transmitter';
}

/**
 * Sends a request to the ESME and resolves with its response (any status). Rejects after
 * `timeoutMs`, when the socket cannot write, or when the connection closes first
 * (`failWaiting`), since node-smpp would otherwise never call back.
 */
export function sendRequest(
  client: SmscClient,
  pdu: smpp.PDU,
  timeoutMs: number,
): Promise<smpp.PDU> {
  return new Promise((resolve, reject) => {
    const fail = (reason: Error) => {
      clearTimeout(timer);
      client.waiting.delete(fail);
      reject(reason);
    };
    const timer = setTimeout(
      () => fail(new Error(`no ${pdu.command}_resp in ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.waiting.add(fail);
    const sent = client.session.send(pdu, (response) => {
      clearTimeout(timer);
      client.waiting.delete(fail);
      resolve(response);
    });
    if (!sent) fail(new Error('the connection is closed'));
  });
}

/** Fails every request still awaiting a response on a closed connection. */
export function failWaiting(client: SmscClient, reason: Error): void {
  for (const fail of [...client.waiting]) fail(reason);
}
