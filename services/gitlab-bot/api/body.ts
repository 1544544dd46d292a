/**
 * Request bodies of the REST API: JSON, at most BODY_LIMIT bytes, checked
 * with a zod schema whose failures name the field.
 */
import type { Context } from 'koa';
import type { z } from 'zod';
import { HttpError } from './http-error.js';

export const BODY_LIMIT = 1024 * 1024;

async function readRaw(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw new HttpError(413, `the request body is over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the request body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What went wrong with a body, as one sentence naming each field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
      }
      const field = issue.path.map(String).join('.');
      return field === '' ? issue.message : `${field}: ${issue.message}`;
    })
    .join('; ');
}

/** The body parsed as JSON and checked; an empty body counts as `{}`. */
export async function readBody<S extends z.ZodType>(
  ctx: Context,
  schema: S,
  limit = BODY_LIMIT,
): Promise<z.output<S>> {
  const raw = await readRaw(ctx, limit);
  let value: unknown = {};
  if (raw.trim() !== '') {
    if (!ctx.is('application/json', 'json', '+json')) {
      throw new HttpError(415, "send the body as JSON with 'Content-Type: application/json'");
    }
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new HttpError(400, `the request body is not JSON (${(err as Error).message})`);
    }
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, `the request body is not valid: ${describeIssues(r.error)}`);
  return r.data;
}
