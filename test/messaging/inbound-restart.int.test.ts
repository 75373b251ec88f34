import { expect } from 'chai';
import { createManualClock } from '../../src/platform/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

const NUMBER = '+14155550794';
const PHONE = '+14155550795';

/** One part of a two-part UCS-2 message: its UDH (8-bit reference) and text. */
function part(sequence: number, text: string) {
  const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, sequence]);
  return {
    dataCoding: 8,
    esmClass: 0x40,
    shortMessage: Buffer.concat([udh, Buffer.from(text, 'utf16le').swap16()]),
  };
}

describe('multi-part inbound SMS across a worker restart', () => {
  let app: TestApp | undefined;
  after(async () => {
    await app?.stop();
  });

  it('keeps a part acknowledged before the restart and completes the message after it', async () => {
    app = await startApp();
    const project = await createTestProject(app, 'mo-restart');
    const api = clientFor(app.url, project.apiKey);
    expect((await api('POST', '/v1/numbers', { body: { number: NUMBER } })).status).to.equal(201);
    await app.runtime.services.sandboxSmsc()!.injectMo({
      from: PHONE,
      to: NUMBER,
      body: '',
      raw: part(1, 'Hello '),
    });
    const db = app.runtime.db;
    await eventually(async () => ((await db('inbound_parts').first()) ? true : undefined));
    await app.stop(); // the worker goes away; the SMSC has its deliver_sm_resp
    app = await startApp();
    await app.runtime.services.sandboxSmsc()!.injectMo({
      from: PHONE,
      to: NUMBER,
      body: '',
      raw: part(2, 'world'),
    });
    const again = clientFor(app.url, project.apiKey);
    const message = await eventually(async () => {
      const list = await again<{ data: Array<{ body: string }> }>(
        'GET',
        `/v1/messages?direction=inbound&from=${encodeURIComponent(PHONE)}`,
      );
      return list.body.data[0];
    });
    expect(message.body).to.equal('Hello world');
    const [{ count }] = await app.runtime.db('inbound_parts').count();
    expect(Number(count), 'no part left').to.equal(0);
  });

  it('delivers what arrived of a message given up on, from the stored parts, once', async () => {
    await app?.stop();
    const clock = createManualClock(new Date());
    app = await startApp({ clock });
    const project = await createTestProject(app, 'mo-expiry');
    const api = clientFor(app.url, project.apiKey);
    const number = '+14155550796';
    expect((await api('POST', '/v1/numbers', { body: { number } })).status).to.equal(201);
    await app.runtime.services.sandboxSmsc()!.injectMo({
      from: PHONE,
      to: number,
      body: '',
      raw: part(1, 'Only this '),
    });
    await eventually(async () =>
      (await app!.runtime.db('inbound_parts').first()) ? true : undefined,
    );
    await app.runtime.services.flushIncompleteSms();
    expect(await app.runtime.db('inbound_parts').first(), 'not yet: 10 minutes').to.not.equal(
      undefined,
    );
    clock.advance(10 * 60_000);
    await Promise.all([
      app.runtime.services.flushIncompleteSms(),
      app.runtime.services.flushIncompleteSms(), // another worker's timer at the same moment
    ]);
    const list = await api<{ data: Array<{ body: string; to: string }> }>(
      'GET',
      `/v1/messages?direction=inbound&to=${encodeURIComponent(number)}`,
    );
    expect(list.body.data.map((m) => m.body)).to.deep.equal(['Only this ']);
    expect(await app.runtime.db('inbound_parts').first()).to.equal(undefined);
  });

  it('drops a copy the SMSC sends again of a part of a message already stored', async () => {
    const clock = createManualClock(new Date());
    await app?.stop();
    app = await startApp({ clock });
    const project = await createTestProject(app, 'mo-resent');
    const api = clientFor(app.url, project.apiKey);
    const number = '+14155550787';
    expect((await api('POST', '/v1/numbers', { body: { number } })).status).to.equal(201);
    const smsc = app.runtime.services.sandboxSmsc()!;
    for (const raw of [part(1, 'Said '), part(2, 'once'), part(2, 'once')]) {
      await smsc.injectMo({ from: PHONE, to: number, body: '', raw });
    }
    const stored = async () =>
      (
        await api<{ data: Array<{ body: string }> }>(
          'GET',
          `/v1/messages?direction=inbound&to=${encodeURIComponent(number)}`,
        )
      ).body.data.map((m) => m.body);
    await eventually(async () => ((await stored()).length > 0 ? true : undefined));
    clock.advance(10 * 60_000);
    await app.runtime.services.flushIncompleteSms();
    expect(await stored()).to.deep.equal(['Said once']);
    expect(await app.runtime.db('inbound_parts').first()).to.equal(undefined);
  });
});
