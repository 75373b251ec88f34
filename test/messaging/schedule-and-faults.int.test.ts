import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

interface Message {
  id: string;
  status: string;
  send_at: string | null;
}

const NUMBER = '+14155550499';

describe('scheduled messages and SMSC faults', () => {
  let app: TestApp;
  let api: ReturnType<typeof clientFor>;

  const statusOf = async (id: string) =>
    (await api<Message>('GET', `/v1/messages/${id}`)).body.status;

  before(async () => {
    app = await startApp();
    const project = await createTestProject(app);
    api = clientFor(app.url, project.apiKey);
    await api('POST', '/v1/numbers', { body: { number: NUMBER } });
  });
  after(() => app.stop());

  /** Makes a scheduled message due now, as if its `send_at` had come, and wakes the senders. */
  async function comeDue(id: string): Promise<void> {
    await app.runtime.db('messages').where({ id }).update({ next_attempt_at: new Date() });
    await app.runtime.db.raw("select pg_notify('trunkline_sms', '')");
  }

  /** A message from the number to `phone`, scheduled ten minutes ahead. */
  function scheduleTo(phone: string, body: string) {
    return api<Message>('POST', '/v1/messages', {
      body: {
        from: NUMBER,
        to: phone,
        body,
        send_at: new Date(Date.now() + 10 * 60_000).toISOString(),
      },
    });
  }

  /** `phone` texts STOP to the number; resolves once the opt-out is stored. */
  async function textStop(phone: string): Promise<void> {
    const sent = await api('POST', '/sandbox/v1/sms', {
      body: { from: phone, to: NUMBER, body: 'STOP' },
    });
    expect(sent.status).to.equal(202);
    await eventually(
      async () =>
        (await app.runtime.db('opt_outs').where({ number: NUMBER, recipient: phone }).first()) ??
        undefined,
    );
  }

  /** The message once it has failed. */
  function failed(id: string) {
    return eventually(async () => {
      const message = await api<Message & { error_code: string | null }>(
        'GET',
        `/v1/messages/${id}`,
      );
      return message.body.status === 'failed' ? message.body : undefined;
    });
  }

  it('schedules a message with send_at and sends it when that time comes', async () => {
    const sendAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await api<Message>('POST', '/v1/messages', {
      body: { from: NUMBER, to: '+14155550400', body: 'later', send_at: sendAt },
    });
    expect(res.status).to.equal(201);
    expect(res.body.status).to.equal('scheduled');
    expect(res.body.send_at).to.equal(sendAt);
    const row = await app.runtime.db('messages').where({ id: res.body.id }).first();
    expect(new Date(row.next_attempt_at).toISOString(), 'due at send_at').to.equal(sendAt);
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf(res.body.id), 'not sent before its time').to.equal('scheduled');
    await comeDue(res.body.id);
    await eventually(async () =>
      (await statusOf(res.body.id)) === 'delivered' ? true : undefined,
    );
    const sent = await app.runtime.db('messages').where({ id: res.body.id }).first();
    expect(sent.next_attempt_at, 'nothing left to send').to.equal(null);
  });

  it('fails a scheduled message whose recipient texted STOP before its time, sending nothing', async () => {
    const phone = '+14155550409';
    const res = await scheduleTo(phone, 'a reminder');
    await textStop(phone);
    await comeDue(res.body.id);
    expect((await failed(res.body.id)).error_code).to.equal('recipient_opted_out');
    expect(await app.runtime.db('message_parts').where({ message_id: res.body.id })).to.have.length(
      0,
    );
  });

  it('fails a message waiting for a retry when its recipient texts STOP meanwhile', async () => {
    const phone = '+14155550762';
    const res = await scheduleTo(phone, 'retried after STOP');
    // As a message is left by a transient failure (throttled, no bind): queued, tried once,
    // due again later.
    await app.runtime.db('messages').where({ id: res.body.id }).update({
      status: 'queued',
      send_at: null,
      send_attempts: 1,
      error_code: 'throttled',
    });
    await textStop(phone);
    await comeDue(res.body.id);
    expect((await failed(res.body.id)).error_code).to.equal('recipient_opted_out');
    const submitted = app.runtime.services
      .sandboxSmsc()!
      .submissions()
      .filter((s) => s.text === 'retried after STOP');
    expect(submitted).to.deep.equal([]);
  });

  it('cancels a scheduled message once (200), then answers 409', async () => {
    const sendAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await api<Message>('POST', '/v1/messages', {
      body: { from: NUMBER, to: '+14155550401', body: 'never', send_at: sendAt },
    });
    const canceled = await api<Message>('DELETE', `/v1/messages/${res.body.id}`);
    expect(canceled.status).to.equal(200);
    expect(canceled.body.status).to.equal('canceled');
    expect((await api('DELETE', `/v1/messages/${res.body.id}`)).status).to.equal(409);
    await comeDue(res.body.id);
    // The claim finds it canceled and ends: nothing is sent, nothing stays due.
    await eventually(async () => {
      const row = await app.runtime.db('messages').where({ id: res.body.id }).first();
      return row.next_attempt_at === null ? true : undefined;
    });
    expect(await statusOf(res.body.id)).to.equal('canceled');
    const submitted = app.runtime.services
      .sandboxSmsc()!
      .submissions()
      .filter((s) => s.text === 'never');
    expect(submitted).to.deep.equal([]);
  });

  it('answers 409 to canceling a message that is not scheduled', async () => {
    const res = await api<Message>('POST', '/v1/messages', {
      body: { from: NUMBER, to: '+14155550402', body: 'now' },
    });
    expect((await api('DELETE', `/v1/messages/${res.body.id}`)).status).to.equal(409);
  });

  it('loses no message and leaves none in sending when the SMSC drops the connection mid-window', async () => {
    const smsc = app.runtime.services.sandboxSmsc()!;
    smsc.setResponseDelay(150);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await api<Message>('POST', '/v1/messages', {
        body: { from: NUMBER, to: `+1415555${(1000 + i).toString()}`, body: `fault ${i}` },
      });
      ids.push(res.body.id);
    }
    await new Promise((r) => setTimeout(r, 100));
    smsc.dropConnections();
    smsc.setResponseDelay(0);
    for (const id of ids) {
      await eventually(
        async () => ((await statusOf(id)) === 'delivered' ? true : undefined),
        15_000,
      );
    }
    const submitted = smsc.submissions().filter((s) => s.text.startsWith('fault '));
    const distinct = new Set(submitted.map((s) => s.text));
    expect(distinct.size).to.equal(20);
    expect(
      submitted.length - distinct.size,
      'at-least-once duplicates only for submits in flight',
    ).to.be.at.most(20);
  });

  it('records a part the SMSC accepted even if its first INSERT fails, without submitting it again', async () => {
    const db = app.runtime.db;
    // The first INSERT of this message's part fails (a sequence is not rolled back).
    await db.raw(`
      create sequence test_part_failures;
      create or replace function test_fail_part_once() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from messages where id = new.message_id and to_addr = '+14155550789')
           and nextval('test_part_failures') = 1 then
          raise exception 'injected part insert failure';
        end if;
        return new;
      end $$;
      create trigger test_fail_part_once before insert on message_parts
        for each row execute function test_fail_part_once();`);
    try {
      const res = await api<Message>('POST', '/v1/messages', {
        body: { from: NUMBER, to: '+14155550789', body: 'recorded on the second try' },
      });
      await eventually(async () =>
        (await statusOf(res.body.id)) === 'delivered' ? true : undefined,
      );
      const submitted = app.runtime.services
        .sandboxSmsc()!
        .submissions()
        .filter((s) => s.text === 'recorded on the second try');
      expect(submitted).to.have.length(1);
    } finally {
      await db.raw(`drop trigger if exists test_fail_part_once on message_parts;
        drop function if exists test_fail_part_once(); drop sequence if exists test_part_failures;`);
    }
  });

  it('keeps messages waiting while no bind is up and sends them when it returns', async () => {
    const smsc = app.runtime.services.sandboxSmsc()!;
    smsc.setSilent(true);
    smsc.dropConnections();
    const res = await api<Message>('POST', '/v1/messages', {
      body: { from: NUMBER, to: '+14155550403', body: 'waiting for a bind' },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(['queued', 'sending']).to.include(await statusOf(res.body.id));
    smsc.setSilent(false);
    await eventually(
      async () => ((await statusOf(res.body.id)) === 'delivered' ? true : undefined),
      20_000,
    );
  });
});
