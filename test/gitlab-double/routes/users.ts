import { userFull } from '../entities.js';
import { notFound, ok, pathInt } from '../http-kit.js';
import { type Route, route } from '../router.js';

export const userRoutes: Route[] = [
  route('user', 'GET', '/user', 'user', (ctx) => ok(userFull(ctx.state, ctx.user, true))),

  route('users.show', 'GET', '/users/:user_id', 'user', (ctx) => {
    const user = ctx.state.user(pathInt(ctx, 'user_id'));
    if (!user) throw notFound('User');
    return ok(userFull(ctx.state, user, user.id === ctx.user.id));
  }),
];
