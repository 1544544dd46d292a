import { describe, expect, it } from 'vitest';
import { plan, step } from '../../../test/runner/helpers.js';
import { soloSteps } from './sandbox.js';

describe('soloSteps', () => {
  it('takes the clone step and a chain of steps', () => {
    const p = plan([step('a'), step('b', { dependsOn: ['a'] }), step('c', { dependsOn: ['b'] })], {
      clone: step('clone'),
    });
    expect([...soloSteps(p)]).toEqual(['clone', 'a', 'b', 'c']);
  });

  it('leaves out steps that may run beside another one', () => {
    const p = plan([
      step('fetch'),
      step('lint', { dependsOn: ['fetch'] }),
      step('unit', { dependsOn: ['fetch'] }),
      step('package', { dependsOn: ['lint', 'unit'] }),
    ]);
    expect([...soloSteps(p)]).toEqual(['fetch', 'package']);
  });

  it('orders through steps that do not run', () => {
    const p = plan([step('a'), step('b', { dependsOn: ['a'], run: false }), step('c', { dependsOn: ['b'] })]);
    expect([...soloSteps(p)]).toEqual(['a', 'c']);
  });

  it('leaves out detached steps, steps with extra hosts and steps with their own network mode', () => {
    const p = plan([
      step('a'),
      step('server', { dependsOn: ['a'], detach: true }),
      step('b', { dependsOn: ['server'], extraHosts: ['x:1.2.3.4'] }),
      step('c', { dependsOn: ['b'], networkMode: 'host' }),
      step('d', { dependsOn: ['c'] }),
    ]);
    expect([...soloSteps(p)]).toEqual(['a', 'd']);
  });
});
