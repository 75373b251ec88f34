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

  it('gt and lt compare long numerals exactly, with signs, zeros and fractions', () => {
    const compare = (actual: string, op: 'gt' | 'lt', value: string | number) =>
      evaluateCondition({ var: 'x', op, value }, { ...scope, variables: { x: actual } });
    // Equal as JavaScript numbers (both 2^53), different as numerals.
    expect(compare('9007199254740993', 'gt', '9007199254740992')).to.equal(true);
    expect(compare('12345678901234567890', 'lt', '12345678901234567891')).to.equal(true);
    expect(compare('007', 'gt', 6)).to.equal(true);
    expect(compare('-2', 'lt', '-1.5')).to.equal(true);
    expect(compare('-0', 'lt', '0')).to.equal(false);
    expect(compare('1.50', 'gt', '1.5')).to.equal(false);
    expect(compare('0.1', 'lt', 0.1)).to.equal(false);
    expect(compare('1000000000000000000001', 'gt', 1e21)).to.equal(true);
    expect(compare('0.0000002', 'gt', 1e-7)).to.equal(true);
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
