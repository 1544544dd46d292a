import { award } from '../entities.js';
import { notFound, ok, paginate, requireStr } from '../http-kit.js';
import { type Route, route } from '../router.js';
import { findMergeRequest, findNote } from './merge-requests.js';

const NOTE_AWARDS = '/projects/:id/merge_requests/:merge_request_iid/notes/:note_id/award_emoji';

/** Emoji names as GitLab spells them (thumbsup, white_check_mark, +1, eyes, ...). */
const EMOJI_NAME = /^[a-z0-9_+-]{1,100}$/;

export const awardEmojiRoutes: Route[] = [
  route('award_emoji.list', 'GET', NOTE_AWARDS, 'read', (ctx) => {
    const mr = findMergeRequest(ctx);
    const n = findNote(ctx, mr);
    return paginate(ctx, n.awards, (a) => award(ctx.state, n, a));
  }),

  // A second award of the same emoji by the same user is refused with 404, as GitLab does.
  route('award_emoji.create', 'POST', NOTE_AWARDS, 'write', (ctx) => {
    const mr = findMergeRequest(ctx);
    const n = findNote(ctx, mr);
    const name = requireStr(ctx, 'name');
    if (!EMOJI_NAME.test(name)) throw notFound('Award Emoji Name is not a valid emoji name');
    if (n.system) throw notFound('Award Emoji');
    if (n.awards.some((a) => a.name === name && a.userId === ctx.user.id)) {
      throw notFound('Award Emoji Name has already been taken');
    }
    const created = { id: ctx.state.nextId('award'), name, userId: ctx.user.id, createdAt: ctx.state.now() };
    n.awards.push(created);
    return ok(award(ctx.state, n, created), 201);
  }),
];
