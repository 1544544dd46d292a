/**
 * The variables Drone gives every step: the DRONE_* set of Drone 1.x
 * (drone/runner-go `environ/environ.go`), the 0.8 names it kept
 * (cncd/pipeline `pipeline/frontend/metadata.go`: DRONE_ARCH, DRONE_JOB_NUMBER,
 * DRONE_VERSION, ...) and the legacy CI_* aliases. Values follow 1.x where the
 * two differ (CI=true; DRONE_REPO_BRANCH is the default branch).
 *
 * Everything is computed from the BuildContext, with no clock: a time that is
 * not known yet is left out rather than invented.
 */
import type { BuildContext } from './types.js';

export interface PipelineFacts {
  name: string;
  /** 1-based position of the pipeline (stage) in the build. */
  number?: number;
  /** Absolute working directory in the containers (workspace base + path). */
  workspaceDir: string;
  platform: { os: string; arch: string };
  /** Matrix values of this job (0.8): exported as variables of their own. */
  axis?: Record<string, string>;
  /** Workspace base and path, when known separately. */
  workspace?: { base: string; path: string };
  /** Names of the pipelines this one waits for. */
  dependsOn?: string[];
}

/** The branch a build is for: the target branch for a merge request, else the pushed branch. */
export function buildBranch(ctx: BuildContext): string {
  if (ctx.build.event === 'pull_request' && ctx.pullRequest) return ctx.pullRequest.targetBranch;
  return ctx.commit.branch;
}

/** 'group/sub' and 'project' from 'group/sub/project' (GitLab subgroups: the owner is everything before the last '/'). */
export function splitSlug(slug: string): { owner: string; name: string } {
  const cut = slug.lastIndexOf('/');
  if (cut < 0) return { owner: '', name: slug };
  return { owner: slug.slice(0, cut), name: slug.slice(cut + 1) };
}

/** The tag of a tag build: ctx.tag, else the ref without refs/tags/. */
export function buildTag(ctx: BuildContext): string | undefined {
  if (ctx.tag !== undefined && ctx.tag !== '') return ctx.tag;
  if (ctx.commit.ref.startsWith('refs/tags/')) return ctx.commit.ref.slice('refs/tags/'.length);
  return undefined;
}

function buildLink(ctx: BuildContext): string {
  if (ctx.build.link !== undefined) return ctx.build.link;
  const host = ctx.system?.host;
  if (host === undefined || host === '') return '';
  const base = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `${ctx.system?.proto ?? 'http'}://${host}`;
  return `${base.replace(/\/+$/, '')}/${ctx.repo.slug}/${ctx.build.number}`;
}

function pullRequestNumber(ctx: BuildContext): string | undefined {
  if (ctx.build.event !== 'pull_request') return undefined;
  if (ctx.pullRequest) return String(ctx.pullRequest.number);
  return /\d+/.exec(ctx.commit.ref)?.[0] ?? '';
}

/** Variables about the system, repository and build: the same for every pipeline of a build. */
function buildWide(ctx: BuildContext): Record<string, string> {
  const { owner, name } = splitSlug(ctx.repo.slug);
  const branch = buildBranch(ctx);
  const source =
    ctx.build.event === 'pull_request' && ctx.pullRequest ? ctx.pullRequest.sourceBranch : branch;
  const status = ctx.status ?? 'success';
  const link = buildLink(ctx);
  const started = String(ctx.build.started ?? ctx.build.created ?? 0);
  const created = String(ctx.build.created ?? 0);
  const parent = String(ctx.build.parent ?? 0);
  const author = ctx.commit.author ?? '';
  const vars: Record<string, string> = {
    CI: 'true',
    DRONE: 'true',
    DRONE_SYSTEM_PROTO: ctx.system?.proto ?? '',
    DRONE_SYSTEM_HOST: ctx.system?.host ?? '',
    DRONE_SYSTEM_HOSTNAME: ctx.system?.host ?? '',
    DRONE_SYSTEM_VERSION: ctx.system?.version ?? '',
    DRONE_VERSION: ctx.system?.version ?? '',

    DRONE_REPO: ctx.repo.slug,
    DRONE_REPO_SCM: 'git',
    DRONE_REPO_OWNER: owner,
    DRONE_REPO_NAMESPACE: owner,
    DRONE_REPO_NAME: name,
    DRONE_REPO_LINK: ctx.repo.link ?? '',
    DRONE_REPO_BRANCH: ctx.repo.defaultBranch ?? branch,
    DRONE_REMOTE_URL: ctx.repo.cloneUrl ?? '',
    DRONE_GIT_HTTP_URL: ctx.repo.cloneUrl ?? '',
    DRONE_REPO_VISIBILITY: ctx.repo.visibility ?? (ctx.repo.private ? 'private' : 'public'),
    DRONE_REPO_PRIVATE: String(ctx.repo.private ?? false),
    DRONE_REPO_TRUSTED: String(ctx.trusted),

    DRONE_BRANCH: branch,
    DRONE_SOURCE_BRANCH: source,
    DRONE_TARGET_BRANCH: branch,
    DRONE_COMMIT: ctx.commit.sha,
    DRONE_COMMIT_SHA: ctx.commit.sha,
    DRONE_COMMIT_BEFORE: ctx.commit.before ?? '',
    DRONE_COMMIT_AFTER: ctx.commit.sha,
    DRONE_COMMIT_REF: ctx.commit.ref,
    DRONE_COMMIT_BRANCH: branch,
    DRONE_COMMIT_LINK: ctx.commit.link ?? '',
    DRONE_COMMIT_MESSAGE: ctx.commit.message ?? '',
    DRONE_COMMIT_AUTHOR: author,
    DRONE_COMMIT_AUTHOR_NAME: author,
    DRONE_COMMIT_AUTHOR_EMAIL: ctx.commit.authorEmail ?? '',
    DRONE_COMMIT_AUTHOR_AVATAR: ctx.commit.authorAvatar ?? '',

    DRONE_BUILD_NUMBER: String(ctx.build.number),
    DRONE_BUILD_PARENT: parent,
    DRONE_PARENT_BUILD_NUMBER: parent,
    DRONE_BUILD_EVENT: ctx.build.event,
    DRONE_BUILD_ACTION: ctx.build.action ?? '',
    DRONE_BUILD_STATUS: status,
    DRONE_BUILD_LINK: link,
    DRONE_BUILD_CREATED: created,
    DRONE_BUILD_STARTED: started,
    DRONE_DEPLOY_TO: ctx.build.deployTo ?? '',

    CI_REPO: ctx.repo.slug,
    CI_REPO_NAME: ctx.repo.slug,
    CI_REPO_LINK: ctx.repo.link ?? '',
    CI_REPO_REMOTE: ctx.repo.cloneUrl ?? '',
    CI_REMOTE_URL: ctx.repo.cloneUrl ?? '',
    CI_REPO_PRIVATE: String(ctx.repo.private ?? false),
    CI_BUILD_NUMBER: String(ctx.build.number),
    CI_PARENT_BUILD_NUMBER: parent,
    CI_BUILD_CREATED: created,
    CI_BUILD_STARTED: started,
    CI_BUILD_STATUS: status,
    CI_BUILD_EVENT: ctx.build.event,
    CI_BUILD_LINK: link,
    CI_BUILD_TARGET: ctx.build.deployTo ?? '',
    CI_COMMIT_SHA: ctx.commit.sha,
    CI_COMMIT_REF: ctx.commit.ref,
    CI_COMMIT_BRANCH: branch,
    CI_COMMIT_MESSAGE: ctx.commit.message ?? '',
    CI_COMMIT_AUTHOR: author,
    CI_COMMIT_AUTHOR_NAME: author,
    CI_COMMIT_AUTHOR_EMAIL: ctx.commit.authorEmail ?? '',
    CI_COMMIT_AUTHOR_AVATAR: ctx.commit.authorAvatar ?? '',
    CI_SYSTEM: 'drone',
    CI_SYSTEM_NAME: 'drone',
    CI_SYSTEM_LINK: systemLink(ctx),
    CI_SYSTEM_HOST: ctx.system?.host ?? '',
    CI_SYSTEM_VERSION: ctx.system?.version ?? '',
  };
  if (ctx.build.cron !== undefined) vars.DRONE_CRON = ctx.build.cron;
  const pr = pullRequestNumber(ctx);
  if (pr !== undefined) {
    vars.DRONE_PULL_REQUEST = pr;
    vars.CI_PULL_REQUEST = pr;
    vars.DRONE_PULL_REQUEST_TITLE = ctx.pullRequest?.title ?? '';
  }
  const tag = buildTag(ctx);
  if (tag !== undefined) {
    vars.DRONE_TAG = tag;
    vars.CI_TAG = tag;
    Object.assign(vars, semverVariables(tag));
  }
  return vars;
}

function systemLink(ctx: BuildContext): string {
  const host = ctx.system?.host;
  if (host === undefined || host === '') return '';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `${ctx.system?.proto ?? 'http'}://${host}`;
}

/** Variables about one pipeline (Drone's stage) of the build. */
function stageVariables(ctx: BuildContext, p: Omit<PipelineFacts, 'workspaceDir'>): Record<string, string> {
  const number = String(p.number ?? 1);
  const platform = `${p.platform.os}/${p.platform.arch}`;
  return {
    DRONE_STAGE_KIND: 'pipeline',
    DRONE_STAGE_TYPE: 'docker',
    DRONE_STAGE_NAME: p.name,
    DRONE_STAGE_NUMBER: number,
    DRONE_STAGE_OS: p.platform.os,
    DRONE_STAGE_ARCH: p.platform.arch,
    DRONE_STAGE_VARIANT: '',
    DRONE_STAGE_STATUS: ctx.status ?? 'success',
    DRONE_STAGE_STARTED: String(ctx.build.started ?? ctx.build.created ?? 0),
    DRONE_STAGE_DEPENDS_ON: (p.dependsOn ?? []).join(','),
    DRONE_CARD_PATH: '/dev/stdout',
    DRONE_ARCH: platform,
    CI_SYSTEM_ARCH: platform,
    DRONE_JOB_NUMBER: number,
    DRONE_JOB_STARTED: String(ctx.build.started ?? ctx.build.created ?? 0),
    CI_JOB_NUMBER: number,
  };
}

/** The DRONE_* / CI_* (and 0.8 CI_* aliases) variables Drone sets for a step. */
export function buildVariables(ctx: BuildContext, pipeline: PipelineFacts): Record<string, string> {
  const workspace: Record<string, string> = {
    DRONE_WORKSPACE: pipeline.workspaceDir,
    CI_WORKSPACE: pipeline.workspaceDir,
  };
  if (pipeline.workspace) {
    workspace.DRONE_WORKSPACE_BASE = pipeline.workspace.base;
    workspace.DRONE_WORKSPACE_PATH = pipeline.workspace.path;
  }
  // Drone 1.x puts build parameters first, so its own variables win over them.
  return {
    ...(ctx.params ?? {}),
    ...(pipeline.axis ?? {}),
    ...buildWide(ctx),
    ...stageVariables(ctx, pipeline),
    ...workspace,
  };
}

/**
 * Variables available to ${VAR} substitution in the YAML. Drone substitutes
 * the system, repository, build and stage variables and the build parameters
 * (which win here, as they come last in Drone's runner); the 0.8 matrix values
 * too. The workspace is not among them: Drone computes it after parsing.
 * Without `pipeline`, the stage variables (DRONE_STAGE_NAME, ...) are left out.
 */
export function substitutionVariables(
  ctx: BuildContext,
  axis?: Record<string, string>,
  pipeline?: Omit<PipelineFacts, 'workspaceDir'>,
): Record<string, string> {
  return {
    ...buildWide(ctx),
    ...(pipeline ? stageVariables(ctx, pipeline) : {}),
    ...(axis ?? {}),
    ...(ctx.params ?? {}),
  };
}

/**
 * DRONE_SEMVER_* for a tag, as drone/runner-go `environ/semver.go` with
 * coreos/go-semver: a leading 'v' is dropped; a tag that is not MAJOR.MINOR.PATCH
 * gives DRONE_SEMVER_ERROR instead.
 */
export function semverVariables(tag: string): Record<string, string> {
  let rest = tag.startsWith('v') ? tag.slice(1) : tag;
  let metadata = '';
  let pre = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    metadata = rest.slice(plus + 1);
    rest = rest.slice(0, plus);
  }
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    pre = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
  }
  const parts = rest.split('.');
  if (parts.length < 3) return { DRONE_SEMVER_ERROR: `${rest} is not in dotted-tri format` };
  const [major, minor, ...patchParts] = parts as [string, string, ...string[]];
  const patch = patchParts.join('.');
  const ident = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
  if (pre !== '' && !ident.test(pre)) {
    return { DRONE_SEMVER_ERROR: `failed to validate pre-release: ${pre} is not a valid semver identifier` };
  }
  if (metadata !== '' && !ident.test(metadata)) {
    return {
      DRONE_SEMVER_ERROR: `failed to validate metadata: ${metadata} is not a valid semver identifier`,
    };
  }
  const numbers: bigint[] = [];
  for (const part of [major, minor, patch]) {
    if (!/^[+-]?[0-9]+$/.test(part)) {
      return { DRONE_SEMVER_ERROR: `strconv.ParseInt: parsing "${part}": invalid syntax` };
    }
    numbers.push(BigInt(part));
  }
  const short = numbers.join('.');
  const vars: Record<string, string> = {
    DRONE_SEMVER: short + (pre !== '' ? `-${pre}` : '') + (metadata !== '' ? `+${metadata}` : ''),
    DRONE_SEMVER_MAJOR: String(numbers[0]),
    DRONE_SEMVER_MINOR: String(numbers[1]),
    DRONE_SEMVER_PATCH: String(numbers[2]),
    DRONE_SEMVER_SHORT: short,
  };
  if (pre !== '') vars.DRONE_SEMVER_PRERELEASE = pre;
  if (metadata !== '') vars.DRONE_SEMVER_BUILD = metadata;
  return vars;
}
