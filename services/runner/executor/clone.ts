import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';
import type { Netrc } from './options.js';
import { SCRIPT_ENV } from './script.js';

/**
 * The default clone step: a plain `git` in the clone image fetches the
 * build's ref (shallow when a depth is set) and checks out its commit in the
 * workspace. Credentials arrive as DRONE_NETRC_* variables, as Drone's git
 * plugin expects them, and are written to $HOME/.netrc before git runs;
 * they never reach the log (the password is masked as well).
 */
const CLONE_SCRIPT = `unset ${SCRIPT_ENV}
set -e
if [ -n "$DRONE_NETRC_MACHINE" ]; then
  HOME=\${HOME:-/root}
  mkdir -p "$HOME"
  (umask 077 && printf 'machine %s\\nlogin %s\\npassword %s\\n' "$DRONE_NETRC_MACHINE" "$DRONE_NETRC_USERNAME" "$DRONE_NETRC_PASSWORD" > "$HOME/.netrc")
fi
unset DRONE_NETRC_USERNAME DRONE_NETRC_PASSWORD
depth=
if [ -n "$PLUGIN_DEPTH" ] && [ "$PLUGIN_DEPTH" != 0 ]; then depth="--depth=$PLUGIN_DEPTH"; fi
printf '+ git init\\n'
git init -q
git remote add origin "$DRONE_REMOTE_URL"
if [ -n "$DRONE_COMMIT_REF" ]; then
  printf '+ git fetch %sorigin %s\\n' "\${depth:+$depth }" "+$DRONE_COMMIT_REF:"
  git fetch -q $depth origin "+$DRONE_COMMIT_REF:"
  target=\${DRONE_COMMIT_SHA:-FETCH_HEAD}
else
  printf '+ git fetch %sorigin %s\\n' "\${depth:+$depth }" "$DRONE_COMMIT_SHA"
  git fetch -q $depth origin "$DRONE_COMMIT_SHA"
  target=FETCH_HEAD
fi
case "$DRONE_COMMIT_REF" in
  refs/heads/*) branch=\${DRONE_COMMIT_REF#refs/heads/} ;;
  *) branch= ;;
esac
if [ -n "$branch" ]; then
  printf '+ git checkout -B %s %s\\n' "$branch" "$target"
  git checkout -qf -B "$branch" "$target"
else
  printf '+ git checkout %s\\n' "$target"
  git checkout -qf "$target"
fi
`;

export function cloneScript(): string {
  return CLONE_SCRIPT;
}

/** Where to clone from and what to check out, from the run options and the plan's variables. */
export interface CloneSource {
  url: string | undefined;
  sha: string | undefined;
  ref: string | undefined;
}

export function cloneSource(plan: JobPlan, clone: StepSpec, cloneUrl: string | undefined): CloneSource {
  const env = { ...plan.environment, ...clone.environment };
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  return {
    url: cloneUrl ?? pick('DRONE_REMOTE_URL', 'CI_REPO_REMOTE', 'DRONE_GIT_HTTP_URL', 'CI_REPO_CLONE_URL'),
    sha: pick('DRONE_COMMIT_SHA', 'DRONE_COMMIT', 'CI_COMMIT_SHA', 'CI_COMMIT'),
    ref: pick('DRONE_COMMIT_REF', 'CI_COMMIT_REF'),
  };
}

/** Variables the clone step gets on top of its own: where to fetch from and with which credentials. */
export function cloneEnv(source: CloneSource, netrc: Netrc | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (source.url !== undefined) env.DRONE_REMOTE_URL = source.url;
  if (source.sha !== undefined) env.DRONE_COMMIT_SHA = source.sha;
  if (source.ref !== undefined) env.DRONE_COMMIT_REF = source.ref;
  if (netrc) {
    env.DRONE_NETRC_MACHINE = netrc.machine;
    env.DRONE_NETRC_USERNAME = netrc.login;
    env.DRONE_NETRC_PASSWORD = netrc.password;
  }
  return env;
}

/** True for the clone step the compiler leaves to the runner (no image of its own). */
export function isDefaultClone(clone: StepSpec): boolean {
  return clone.image === '';
}
