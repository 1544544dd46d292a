import { describe, expect, it } from 'vitest';
import { expectNothingLeft, plan, run, sequential, step } from './helpers.js';

const retry = (cmd: string) => `i=0; until ${cmd}; do i=$((i+1)); [ $i -lt 150 ] || exit 9; sleep 0.1; done`;

describe('executor on Docker: the job network', () => {
  it('lets steps that run one after another reach a service by name, and be reached by name', async () => {
    const o = await run(
      plan(
        sequential([
          step('first', { commands: ['hostname > first.host'] }),
          step('ask', { commands: [retry('wget -q -O - http://cache:8080/')] }),
          step('serve', {
            commands: [
              'mkdir -p /tmp/www && echo served-by-step > /tmp/www/index.html',
              'timeout 20 httpd -f -p 9090 -h /tmp/www & pid=$!',
              retry('[ -f called-back ]'),
              'kill $pid',
            ],
          }),
          step('last', {
            commands: ['test "$(hostname)" = "$(cat first.host)" && echo same-network-sandbox'],
          }),
        ]),
        {
          services: [
            step('cache', {
              commands: [
                'mkdir -p /tmp/www && echo from-service > /tmp/www/index.html',
                'httpd -p 8080 -h /tmp/www',
                retry('wget -q -O - http://serve:9090/'),
                'touch /drone/src/called-back',
                'sleep 60',
              ],
            }),
          ],
        },
      ),
    );
    expect(o.result.status).toBe('success');
    expect(o.text('ask')).toContain('from-service');
    expect(o.text('cache')).toContain('served-by-step');
    expect(o.text('last')).toContain('same-network-sandbox');
    await expectNothingLeft(o.jobId);
  });

  it('gives steps that run side by side their own addresses, so they can use the same port', async () => {
    const serveOnce = (name: string) =>
      step(name, {
        dependsOn: ['setup'],
        commands: [
          `mkdir -p /tmp/www && echo ${name} > /tmp/www/index.html`,
          'timeout 20 httpd -f -p 8080 -h /tmp/www & pid=$!',
          retry('wget -q -O /dev/null http://127.0.0.1:8080/'),
          `touch ${name}.up`,
          retry('[ -f left.up ] && [ -f right.up ]'),
          `wget -q -O - http://${name === 'left' ? 'right' : 'left'}:8080/`,
          `touch ${name}.done`,
          retry('[ -f left.done ] && [ -f right.done ]'),
          'kill $pid',
        ],
      });
    const o = await run(
      plan([
        step('setup', { commands: ['true'] }),
        serveOnce('left'),
        serveOnce('right'),
        step('after', { dependsOn: ['left', 'right'], commands: ['true'] }),
        step('end', { dependsOn: ['after'], commands: ['true'] }),
      ]),
    );
    expect(o.result.status).toBe('success');
    expect(o.text('left')).toContain('right');
    expect(o.text('right')).toContain('left');
    await expectNothingLeft(o.jobId);
  });
});
