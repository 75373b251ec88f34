import { expect } from 'chai';
import { CHANGING_VIEW_COLUMNS, messageView } from '../../src/messaging/message-view.js';
import type { MessageRow } from '../../src/messaging/messages.store.js';

/** Columns set when a message is created and never written again. */
const FIXED = [
  'id',
  'project_id',
  'direction',
  'to_addr',
  'from_addr',
  'body',
  'encoding',
  'segments',
  'num_media',
  'created_at',
];

describe('messageView', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const row: MessageRow = {
    id: 'msg_1',
    project_id: 'prj_1',
    direction: 'outbound',
    to_addr: '+14155550100',
    from_addr: '+14155550101',
    body: 'hi',
    status: 'queued',
    encoding: 'GSM-7',
    segments: 1,
    num_media: 0,
    error_code: null,
    error_message: null,
    connector: null,
    status_callback: null,
    validity_period: null,
    send_at: null,
    expires_at: now,
    udh_reference: 7,
    created_at: now,
    updated_at: now,
    sent_at: null,
    delivered_at: null,
    next_attempt_at: null,
    send_attempts: 0,
    consent_exempt: false,
  };
  const changed: Record<string, unknown> = {
    status_callback: 'https://example.test/cb',
    validity_period: 60,
    expires_at: new Date('2026-01-02T00:00:00Z'),
    udh_reference: 8,
    next_attempt_at: new Date('2026-01-03T00:00:00Z'),
    send_attempts: 3,
    consent_exempt: true,
  };

  it('shows no column that may change other than those a one-statement write checks', () => {
    const listed = new Set<string>([...CHANGING_VIEW_COLUMNS, ...FIXED]);
    for (const column of Object.keys(row) as Array<keyof MessageRow>) {
      if (listed.has(column)) continue;
      expect(changed, `a changed value for ${column}`).to.have.property(column);
      expect(messageView({ ...row, [column]: changed[column] }), column).to.deep.equal(
        messageView(row),
      );
    }
  });
});
