import { describe, expect, it } from 'vitest';
import type { StatusState } from './state.js';
import { POSTABLE_STATES, type PostedState, transition } from './status-machine.js';

/**
 * What GitLab answers when a state is posted to a status in a given state
 * (app/models/commit_status.rb and Ci::CreateCommitStatusService): the new
 * state, or the event named in its 400 message. Written out by hand from
 * GitLab's state machine, not computed.
 */
const EXPECTED: Record<'created' | 'pending' | 'running', Record<PostedState, string>> = {
  created: {
    pending: 'pending',
    running: 'running',
    success: 'success',
    failed: 'failed',
    canceled: 'canceled',
    skipped: 'skipped',
  },
  pending: {
    pending: 'refused :enqueue from :pending',
    running: 'running',
    success: 'success',
    failed: 'failed',
    canceled: 'canceled',
    skipped: 'skipped',
  },
  running: {
    pending: 'refused :enqueue from :running',
    running: 'refused :run from :running',
    success: 'success',
    failed: 'failed',
    canceled: 'canceled',
    skipped: 'refused :skip from :running',
  },
};

describe("GitLab's commit status state machine", () => {
  for (const from of Object.keys(EXPECTED) as ('created' | 'pending' | 'running')[]) {
    for (const posted of POSTABLE_STATES) {
      it(`${from} + post ${posted}`, () => {
        const r = transition(from as StatusState, posted);
        const got = r.ok
          ? r.to
          : `refused ${/via (:\w+) from (:\w+)/.exec(r.message)?.slice(1).join(' from ')}`;
        expect(got).toBe(EXPECTED[from][posted]);
      });
    }
  }

  it("words a refusal as GitLab's API does", () => {
    const r = transition('running', 'running');
    expect(r).toEqual({
      ok: false,
      message:
        'Cannot transition status via :run from :running (Reason(s): Status cannot transition via "run")',
    });
  });
});
