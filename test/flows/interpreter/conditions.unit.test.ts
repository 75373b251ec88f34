import { expect } from 'chai';
import type { BranchCondition } from '../../../src/flows/flow-types.js';
import { evaluateCondition } from '../../../src/flows/interpreter/conditions.js';
import type { TemplateScope } from '../../../src/flows/templates.js';

const scope: TemplateScope = {
  call: { id: 'call_1', from: '+441234567890', to: '+14155550199' },
  variables: { choice: '2', count: '10', word: 'ten' },
  lastDigits: '7',
};

const holds = (condition: BranchCondition) => evaluateCondition(condition, scope);

describe('evaluateCondition', () => {
  it('eq and ne compare strings, numbers as their text', () => {
    expect(holds({ var: 'choice', op: 'eq', value: '2' })).to.equal(true);
    expect(holds({ var: 'vars.choice', op: 'eq', value: 2 })).to.equal(true);
    expect(holds({ var: 'choice', op: 'ne', value: '2' })).to.equal(false);
    expect(holds({ var: 'missing', op: 'eq', value: '' })).to.equal(true);
  });

  it('in looks the value up in the array', () => {
    expect(holds({ var: 'choice', op: 'in', value: ['1', 2, '3'] })).to.equal(true);
    expect(holds({ var: 'choice', op: 'in', value: ['1', '3'] })).to.equal(false);
  });

  it('gt and lt compare numbers', () => {
    expect(holds({ var: 'count', op: 'gt', value: 9 })).to.equal(true);
    expect(holds({ var: 'count', op: 'gt', value: '10' })).to.equal(false);
    expect(holds({ var: 'count', op: 'lt', value: '10.5' })).to.equal(true);
    expect(holds({ var: 'count', op: 'gt', value: 2 })).to.equal(true);
  });

  it('gt and lt are false when a side is not a number', () => {
    expect(holds({ var: 'word', op: 'gt', value: 1 })).to.equal(false);
    expect(holds({ var: 'word', op: 'lt', value: 1 })).to.equal(false);
    expect(holds({ var: 'missing', op: 'lt', value: 1 })).to.equal(false);
    expect(holds({ var: 'count', op: 'lt', value: 'many' })).to.equal(false);
  });

  it('matches tests a regular expression against call fields and digits', () => {
    expect(holds({ var: 'call.from', op: 'matches', value: '^\\+44' })).to.equal(true);
    expect(holds({ var: 'digits', op: 'matches', value: '^[0-6]$' })).to.equal(false);
  });
});
