import type { AddressInfo } from 'node:net';
import smpp from 'smpp';

/** How the scripted SMSC answers a submit_sm. */
export interface ScriptedSubmit {
  /** The message id to answer with. */
  messageId: string;
  /** How long to hold the submit_sm_resp. */
  delayMs?: number;
}

/**
 * A bare SMPP server whose answers a test scripts: the message id of every submit_sm (and
 * when it is answered), and receipts or MO parts sent on a chosen bind, for the orderings and
 * id spellings the sandbox SMSC never produces.
 */
export async function startScriptedSmsc(answer: (submitted: number, to: string) => ScriptedSubmit) {
  const sessions: smpp.Session[] = [];
  const systemIds: string[] = [];
  /** The bind (index in `sessions`) each submit_sm came on, in arrival order. */
  const submitBinds: number[] = [];
  let submitted = 0;
  const server = smpp.createServer((session: smpp.Session) => {
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: smpp.PDU) => {
      sessions.push(session);
      systemIds.push(String(pdu.system_id));
      session.send(pdu.response());
    });
    session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('deliver_sm_resp', () => undefined);
    session.on('submit_sm', (pdu: smpp.PDU) => {
      submitted += 1;
      submitBinds.push(sessions.indexOf(session));
      const { messageId, delayMs = 0 } = answer(submitted, String(pdu.destination_addr));
      setTimeout(() => session.send(pdu.response({ message_id: messageId })), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /** Sends a deliver_sm on the `bind`-th bound session (0 first) and waits for its answer. */
  function deliver(params: Record<string, unknown>, bind = 0): Promise<number> {
    const session = sessions[bind];
    if (!session) throw new Error(`no bind ${bind}`);
    return new Promise((resolve) => {
      const pdu = new smpp.PDU('deliver_sm', {
        source_addr: '14155550100',
        destination_addr: '14155550101',
        ...params,
      });
      session.send(pdu, (response) => resolve(response.command_status));
    });
  }

  return {
    port,
    /** The SMPP_URL of a bind to this SMSC as `user`. */
    url: (user = 'trunkline') => `smpp://${user}:secret@127.0.0.1:${port}`,
    /** How many submit_sm have arrived. */
    submitted: () => submitted,
    /** The system_id of every bind, in bind order. */
    binds: () => [...systemIds],
    /** The bind each submit_sm came on. */
    submitBinds: () => [...submitBinds],
    /** Sends a receipt with this text (esm_class 0x04) on the `bind`-th session. */
    receipt: (text: string, bind = 0) =>
      deliver({ esm_class: 0x04, short_message: Buffer.from(text, 'latin1') }, bind),
    deliver,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

export type ScriptedSmsc = Awaited<ReturnType<typeof startScriptedSmsc>>;
