import { describe, expect, it } from 'vitest';
import { expectNothingLeft, plan, run, step } from './helpers.js';

const SECRET = 'tok-8c1f2b9e-secret';

describe('executor on Docker: secrets', () => {
  it('injects secrets as variables and masks their values in every line', async () => {
    const o = await run(
      plan([
        step('deploy', {
          secrets: [{ source: 'deploy_token', target: 'TOKEN' }],
          commands: [
            'echo "token is $TOKEN"',
            'echo "$TOKEN" >&2',
            'printf "%s chars\\n" "$(printf %s "$TOKEN" | wc -c)"',
          ],
        }),
      ]),
      { secrets: { deploy_token: SECRET } },
    );
    expect(o.result.status).toBe('success');
    const all = o.lines.map((l) => l.line).join('\n');
    expect(all).not.toContain(SECRET);
    expect(o.text('deploy')).toContain('token is ********');
    expect(o.lines.find((l) => l.stream === 'stderr')?.line).toBe('********');
    expect(o.text('deploy')).toContain(`${SECRET.length} chars`);
    await expectNothingLeft(o.jobId);
  });

  it('masks a secret whose halves reach the runner in separate frames', async () => {
    // The executor reads the container's output as it is written: the two
    // writes, 300 ms apart, arrive as two frames, the secret cut in the middle.
    const o = await run(
      plan([
        step('leak', {
          commands: [
            `printf 'start %s' "$(echo "$TOKEN" | cut -c1-9)"; sleep 0.3; printf '%s end\\n' "$(echo "$TOKEN" | cut -c10-)"`,
          ],
          secrets: [{ source: 't', target: 'TOKEN' }],
        }),
      ]),
      { secrets: { t: SECRET } },
    );
    const lines = o.text('leak');
    expect(lines.join('\n')).not.toContain(SECRET.slice(0, 9));
    expect(lines.join('\n')).not.toContain(SECRET.slice(9));
    expect(lines[1]).toBe('start ******** end');
    await expectNothingLeft(o.jobId);
  });

  it('masks a secret repeated through a line longer than 16 KiB', async () => {
    const o = await run(
      plan([
        step('leak', {
          commands: [
            `printf 'start '; i=0; while [ $i -lt 1000 ]; do printf '%s-' "$TOKEN"; i=$((i+1)); done; printf ' end\\n'`,
          ],
          secrets: [{ source: 't', target: 'TOKEN' }],
        }),
      ]),
      { secrets: { t: SECRET } },
    );
    const lines = o.text('leak');
    expect(lines.join('\n')).not.toContain(SECRET.slice(0, 10));
    expect(lines.join('\n')).not.toContain(SECRET.slice(-10));
    expect(lines[1]).toBe(`start ${'********-'.repeat(1000)} end`);
    await expectNothingLeft(o.jobId);
  });

  it('masks each line of a multi-line secret', async () => {
    const key = '-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END KEY-----';
    const o = await run(
      plan([step('key', { secrets: [{ source: 'key', target: 'KEY' }], commands: ['echo "$KEY"'] })]),
      { secrets: { key } },
    );
    expect(o.text('key').slice(1)).toEqual(['********', '********', '********']);
  });
});
