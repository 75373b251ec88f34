import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import smpp from 'smpp';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

/**
 * An SMSC that answers every submit_sm with the same message id (a broken or restarted one):
 * parts recorded in one batch then share an id, which the unique index refused for the whole
 * batch, and every message in it was submitted again.
 */
describe('an SMSC that gives every submit the same message id', () => {
  let app: TestApp;
  let server: smpp.Server;
  const submitted: string[] = [];

  before(async () => {
    server = smpp.createServer((session: smpp.Session) => {
      session.on('error', () => undefined);
      session.on('bind_transceiver', (pdu: smpp.PDU) => session.send(pdu.response()));
      session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
      session.on('unbind', (pdu: smpp.PDU) => session.send(pdu.response()));
      session.on('submit_sm', (pdu: smpp.PDU) => {
        submitted.push(String(pdu.destination_addr));
        // Held a little, so the responses arrive together and their parts share a batch.
        setTimeout(() => session.send(pdu.response({ message_id: '5' })), 30);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    app = await startApp({ env: { SMPP_URL: `smpp://trunkline:secret@127.0.0.1:${port}` } });
  });
  after(async () => {
    await app.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('submits each message once and marks every one sent', async () => {
    const project = await createTestProject(app, 'same-id');
    const api = clientFor(app.url, project.apiKey);
    const phones = [1, 2, 3, 4, 5, 6].map((n) => `+1415555076${n + 2}`);
    const sent = await Promise.all(
      phones.map((to) =>
        api<{ id: string }>('POST', '/v1/messages', {
          body: { to, from: 'Trunkline', body: 'one id for all' },
        }),
      ),
    );
    for (const { body } of sent) {
      await eventually(async () => {
        const res = await api<{ status: string }>('GET', `/v1/messages/${body.id}`);
        return res.body.status === 'sent' ? true : undefined;
      }, 10_000);
    }
    expect(submitted.filter((to) => phones.includes(`+${to.replace(/^\+/, '')}`))).to.have.length(
      6,
    );
  });
});
