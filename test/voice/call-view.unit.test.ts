import { expect } from 'chai';
import { CHANGING_VIEW_COLUMNS, callView } from '../../src/voice/call-view.js';
import type { CallRow } from '../../src/voice/calls.store.js';
import { queuedCallRow } from './voice-fixtures.js';

/** Columns set when a call is created and never written again. */
const FIXED = ['id', 'project_id', 'direction', 'to_addr', 'from_addr', 'created_at'];

describe('callView', () => {
  const row = queuedCallRow('call_1', 'prj_1', { at: new Date('2026-01-01T00:00:00Z') });
  const changed: Record<string, unknown> = {
    flow_definition: { start: 'b', steps: { b: { verb: 'hangup' } } },
    flow_state: { ended: true },
    flow_command: { type: 'hangup' },
    dial_leg: { id: 'call_1.leg1', answered_at: null },
    channel_id: 'chan_2',
    record: true,
  };

  it('shows no column that may change other than those a one-statement write checks', () => {
    const listed = new Set<string>([...CHANGING_VIEW_COLUMNS, ...FIXED]);
    for (const column of Object.keys(row) as Array<keyof CallRow>) {
      if (listed.has(column)) continue;
      expect(changed, `a changed value for ${column}`).to.have.property(column);
      expect(callView({ ...row, [column]: changed[column] }), column).to.deep.equal(callView(row));
    }
  });
});
