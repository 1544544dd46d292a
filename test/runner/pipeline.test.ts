import { describe, expect, it } from 'vitest';
import { expectNothingLeft, plan, run, sequential, step } from './helpers.js';

/** A step that waits (up to ~10 s) for a file another step writes in the shared workspace. */
// Up to 60 s: on a busy machine the second container of a group can start well after the first.
const waitFor = (file: string) =>
  `i=0; until [ -f ${file} ]; do i=$((i+1)); [ $i -lt 600 ] || exit 9; sleep 0.1; done`;

describe('executor on Docker: steps', () => {
  it('runs steps in order in the workspace, with the plan and step environment', async () => {
    const o = await run(
      plan(
        sequential([
          step('write', {
            commands: ['echo "$GREETING from $CI" > note.txt'],
            environment: { GREETING: 'hello' },
          }),
          step('read', { commands: ['pwd', 'cat note.txt'] }),
        ]),
      ),
    );
    expect(o.result.status, o.summary()).toBe('success');
    expect(o.text('write')).toEqual(['+ echo "$GREETING from $CI" > note.txt']);
    expect(o.text('read')).toEqual(['+ pwd', '/drone/src', '+ cat note.txt', 'hello from true']);
    expect(o.step('read')).toMatchObject({ status: 'success', exitCode: 0, oomKilled: false });
    expect(o.step('read').durationMs).toBeGreaterThan(0);
    const seen = o.events.filter((e) => e.name === 'write').map((e) => e.status);
    expect(seen).toEqual(['pending', 'running', 'success']);
    await expectNothingLeft(o.jobId);
  });

  it('stops after a failing step, but runs steps that ask for failure', async () => {
    const o = await run(
      plan(
        sequential([
          step('test', { commands: ['echo testing', 'exit 3', 'echo unreachable'] }),
          step('deploy', { commands: ['echo deploying'] }),
          step('notify', { commands: ['echo build failed'], onSuccess: false, onFailure: true }),
          step('celebrate', { commands: ['echo yay'], onSuccess: true, onFailure: false }),
        ]),
      ),
    );
    expect(o.result.status).toBe('failure');
    expect(o.step('test')).toMatchObject({ status: 'failure', exitCode: 3, error: 'exited with code 3' });
    expect(o.text('test')).toEqual(['+ echo testing', 'testing', '+ exit 3']);
    expect(o.step('deploy').status).toBe('skipped');
    expect(o.text('deploy')).toEqual([]);
    expect(o.step('notify').status).toBe('success');
    expect(o.text('notify')).toContain('build failed');
    expect(o.step('celebrate').status).toBe('skipped');
    await expectNothingLeft(o.jobId);
  });

  it('lets a step with failure: ignore fail without failing the pipeline', async () => {
    const o = await run(
      plan(
        sequential([
          step('flaky', { commands: ['exit 1'], failure: 'ignore' }),
          step('next', { commands: ['true'] }),
        ]),
      ),
    );
    expect(o.step('flaky').status).toBe('failure');
    expect(o.step('next').status).toBe('success');
    expect(o.result.status, o.summary()).toBe('success');
    await expectNothingLeft(o.jobId);
  });

  it('skips steps the plan excludes, with the reason', async () => {
    const o = await run(
      plan(
        sequential([
          step('always', { commands: ['true'] }),
          step('tags-only', { commands: ['echo no'], run: false, skipReason: 'runs only for event tag' }),
          step('after', { commands: ['true'] }),
        ]),
      ),
    );
    expect(o.step('tags-only')).toMatchObject({ status: 'skipped', error: 'runs only for event tag' });
    expect(o.step('after').status).toBe('success');
    expect(o.result.status, o.summary()).toBe('success');
  });

  it('runs a parallel group side by side, then the next stage', async () => {
    // Each of the two waits for the other's file: only possible when both run at once.
    const o = await run(
      plan([
        step('left', { commands: ['touch left.ready', waitFor('right.ready')] }),
        step('right', { commands: ['touch right.ready', waitFor('left.ready')] }),
        step('after', { commands: ['ls left.ready right.ready'], dependsOn: ['left', 'right'] }),
      ]),
    );
    expect(o.result.status, o.summary()).toBe('success');
    expect(o.step('left').status).toBe('success');
    expect(o.step('right').status).toBe('success');
    const leftEnd = (o.step('left').startedAt ?? 0) + (o.step('left').durationMs ?? 0);
    const rightEnd = (o.step('right').startedAt ?? 0) + (o.step('right').durationMs ?? 0);
    expect(o.step('after').startedAt).toBeGreaterThanOrEqual(Math.max(leftEnd, rightEnd));
    await expectNothingLeft(o.jobId);
  });

  it('runs depends_on as a graph: a diamond joins only when both branches end', async () => {
    const o = await run(
      plan([
        step('fetch', { commands: ['echo src > src.txt'] }),
        step('lint', {
          commands: ['touch lint.ready', waitFor('unit.ready'), 'echo lint > lint.txt'],
          dependsOn: ['fetch'],
        }),
        step('unit', {
          commands: ['touch unit.ready', waitFor('lint.ready'), 'echo unit > unit.txt'],
          dependsOn: ['fetch'],
        }),
        step('package', { commands: ['cat src.txt lint.txt unit.txt'], dependsOn: ['lint', 'unit'] }),
      ]),
    );
    expect(o.result.status, o.summary()).toBe('success');
    expect(o.text('package').slice(1)).toEqual(['src', 'lint', 'unit']);
    await expectNothingLeft(o.jobId);
  });

  it('skips a DAG branch below a failed step while the other branch finishes', async () => {
    const o = await run(
      plan([
        step('a', { commands: ['exit 1'] }),
        step('b', { commands: ['sleep 0.5'] }),
        step('after-a', { commands: ['true'], dependsOn: ['a'] }),
        step('after-both', { commands: ['true'], dependsOn: ['a', 'b'] }),
      ]),
    );
    expect(o.step('a').status).toBe('failure');
    expect(o.step('b').status).toBe('success');
    expect(o.step('after-a').status).toBe('skipped');
    expect(o.step('after-both').status).toBe('skipped');
    expect(o.result.status).toBe('failure');
  });

  it('reaches a service by its name, and stops it at the end', async () => {
    const o = await run(
      plan(
        [
          step('probe', {
            commands: [
              'i=0; until wget -q -O - http://web:8080/ 2>/dev/null; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done',
            ],
          }),
        ],
        {
          services: [
            step('web', {
              commands: [
                'mkdir -p /tmp/www',
                'echo hello-from-service > /tmp/www/index.html',
                'httpd -f -p 8080 -h /tmp/www',
              ],
            }),
          ],
        },
      ),
    );
    expect(o.result.status, o.summary()).toBe('success');
    expect(o.text('probe')).toContain('hello-from-service');
    expect(o.step('web')).toMatchObject({ kind: 'service', status: 'success' });
    expect(o.text('web')).toContain('+ httpd -f -p 8080 -h /tmp/www');
    await expectNothingLeft(o.jobId);
  });

  it('runs a detached step in the background while later steps use it', async () => {
    const o = await run(
      plan(
        sequential([
          step('server', {
            detach: true,
            commands: [
              'mkdir -p /tmp/www',
              'echo detached-ok > /tmp/www/index.html',
              'httpd -f -p 8080 -h /tmp/www',
            ],
          }),
          step('client', {
            commands: [
              'i=0; until wget -q -O - http://server:8080/; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done',
            ],
          }),
        ]),
      ),
    );
    expect(o.result.status, o.summary()).toBe('success');
    expect(o.text('client')).toContain('detached-ok');
    const clientStart = o.step('client').startedAt ?? 0;
    const serverEnd = (o.step('server').startedAt ?? 0) + (o.step('server').durationMs ?? 0);
    expect(serverEnd).toBeGreaterThan(clientStart);
    await expectNothingLeft(o.jobId);
  });
});
