import smpp from 'smpp';

/**
 * The SMS ceiling: a bare node-smpp transceiver bound to the same simulator, submitting N
 * single-part messages with registered delivery through a window of the same size as
 * Trunkline's bind, acknowledging each DLR. No database, no queue, no encoding logic.
 */

export interface RawRunFigures {
  count: number;
  errors: number;
  /** Milliseconds since the first submit: each submit_sm_resp, each DLR. */
  responses: number[];
  receipts: number[];
  /** Per message, submit_sm sent → its DLR received, in ms. */
  latencies: number[];
}

function send(session: smpp.Session, pdu: smpp.PDU): Promise<smpp.PDU> {
  return new Promise((resolve, reject) => {
    if (!session.send(pdu, resolve)) reject(new Error('the SMPP connection is closed'));
  });
}

async function connect(port: number): Promise<smpp.Session> {
  const session = smpp.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

/** Binds as `systemId`, submits `count` messages with `window` in flight, waits for every DLR. */
export async function runRawClient(options: {
  port: number;
  systemId: string;
  password: string;
  count: number;
  window: number;
  text: string;
  timeoutMs: number;
}): Promise<RawRunFigures> {
  const session = await connect(options.port);
  const figures: RawRunFigures = {
    count: options.count,
    errors: 0,
    responses: [],
    receipts: [],
    latencies: [],
  };
  const sentAt = new Map<string, number>();
  let started = 0;
  let receiptsDone: () => void = () => undefined;
  const allReceipts = new Promise<void>((resolve) => (receiptsDone = resolve));
  session.on('deliver_sm', (pdu: smpp.PDU) => {
    session.send(pdu.response());
    const now = performance.now();
    figures.receipts.push(now - started);
    const submitted = sentAt.get(String(pdu.receipted_message_id));
    if (submitted !== undefined) figures.latencies.push(now - submitted);
    if (figures.receipts.length >= options.count) receiptsDone();
  });
  try {
    const bound = await send(
      session,
      new smpp.PDU('bind_transceiver', { system_id: options.systemId, password: options.password }),
    );
    if (bound.command_status !== 0) throw new Error(`raw bind refused: ${bound.command_status}`);
    const params = {
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'Trunkline',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '14155550100',
      data_coding: 0,
      registered_delivery: 1,
      short_message: Buffer.from(options.text, 'ascii'),
    };
    started = performance.now();
    await new Promise<void>((resolve) => {
      let sent = 0;
      const pump = () => {
        while (sent - figures.responses.length < options.window && sent < options.count) {
          sent += 1;
          const submittedAt = performance.now();
          session.send(new smpp.PDU('submit_sm', params), (resp: smpp.PDU) => {
            if (resp.command_status !== 0) figures.errors += 1;
            else sentAt.set(String(resp.message_id), submittedAt);
            figures.responses.push(performance.now() - started);
            if (figures.responses.length === options.count) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allReceipts,
      new Promise((resolve) => (timer = setTimeout(resolve, options.timeoutMs))),
    ]);
    clearTimeout(timer);
    return figures;
  } finally {
    session.destroy();
  }
}
