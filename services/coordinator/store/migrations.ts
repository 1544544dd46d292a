/**
 * The schema, as numbered migrations. Each runs once, in a transaction, and is
 * recorded in `schema_migrations`. Never edit a migration that has shipped:
 * add the next number. SQL is shared by both engines; `d.idColumn` is the one
 * dialect piece the tables need. Times are BIGINT milliseconds; JSON is TEXT.
 */
import type { Dialect } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql(d: Dialect): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'repositories, builds, jobs, steps, logs, runners, secrets, registries',
    sql: (d) => `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE repos (
  id ${d.idColumn},
  project_id BIGINT NOT NULL UNIQUE,
  slug TEXT NOT NULL,
  clone_url TEXT NOT NULL,
  web_url TEXT NOT NULL DEFAULT '',
  default_branch TEXT NOT NULL DEFAULT 'main',
  active BOOLEAN NOT NULL DEFAULT FALSE,
  hook_id BIGINT,
  hook_token_hash TEXT,
  config_path TEXT NOT NULL DEFAULT '.drone.yml',
  trusted BOOLEAN NOT NULL DEFAULT FALSE,
  timeout_minutes INTEGER NOT NULL DEFAULT 60,
  concurrency INTEGER NOT NULL DEFAULT 0,
  cancel_previous BOOLEAN NOT NULL DEFAULT FALSE,
  allow_fork_secrets BOOLEAN NOT NULL DEFAULT FALSE,
  visibility TEXT NOT NULL DEFAULT 'private',
  build_counter BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX repos_slug ON repos (lower(slug));

CREATE TABLE runners (
  id ${d.idColumn},
  name TEXT NOT NULL UNIQUE,
  labels TEXT NOT NULL DEFAULT '{}',
  platform TEXT NOT NULL DEFAULT 'linux/amd64',
  capacity INTEGER NOT NULL DEFAULT 1,
  version TEXT NOT NULL DEFAULT '',
  token_hash TEXT UNIQUE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT
);

CREATE TABLE builds (
  id ${d.idColumn},
  repo_id BIGINT NOT NULL REFERENCES repos (id) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  parent_id BIGINT REFERENCES builds (id) ON DELETE SET NULL,
  event TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  error TEXT NOT NULL DEFAULT '',
  ref TEXT NOT NULL,
  branch TEXT NOT NULL DEFAULT '',
  sha TEXT NOT NULL,
  before_sha TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  author_email TEXT NOT NULL DEFAULT '',
  author_avatar TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  source_branch TEXT NOT NULL DEFAULT '',
  target_branch TEXT NOT NULL DEFAULT '',
  mr_iid BIGINT,
  fork BOOLEAN NOT NULL DEFAULT FALSE,
  link TEXT NOT NULL DEFAULT '',
  deploy_to TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  UNIQUE (repo_id, number)
);
CREATE INDEX builds_repo_branch ON builds (repo_id, branch, number);
CREATE INDEX builds_status ON builds (status);
CREATE INDEX builds_parent ON builds (parent_id);

CREATE TABLE jobs (
  id ${d.idColumn},
  build_id BIGINT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  name TEXT NOT NULL,
  axis TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending',
  plan TEXT NOT NULL,
  depends_on TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '{}',
  runner_id BIGINT REFERENCES runners (id) ON DELETE SET NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  lease_token TEXT,
  lease_expires_at BIGINT,
  cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  UNIQUE (build_id, number)
);
CREATE INDEX jobs_status_lease ON jobs (status, lease_expires_at);
CREATE INDEX jobs_runner ON jobs (runner_id);

CREATE TABLE steps (
  id ${d.idColumn},
  job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  exit_code INTEGER NOT NULL DEFAULT 0,
  oom_killed BOOLEAN NOT NULL DEFAULT FALSE,
  error TEXT NOT NULL DEFAULT '',
  started_at BIGINT,
  finished_at BIGINT,
  log_size BIGINT NOT NULL DEFAULT 0,
  log_acked BIGINT NOT NULL DEFAULT 0,
  log_truncated BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (job_id, number)
);

CREATE TABLE log_chunks (
  step_id BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  data TEXT NOT NULL,
  lines INTEGER NOT NULL,
  PRIMARY KEY (step_id, seq)
);

CREATE TABLE secrets (
  id ${d.idColumn},
  repo_id BIGINT NOT NULL REFERENCES repos (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  events TEXT NOT NULL,
  images TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (repo_id, name)
);

CREATE TABLE registries (
  id ${d.idColumn},
  repo_id BIGINT NOT NULL REFERENCES repos (id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  username TEXT NOT NULL,
  password TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (repo_id, address)
);
`,
  },
  {
    version: 2,
    name: 'pipeline file and clone credentials of each build',
    sql: () => `
CREATE TABLE build_inputs (
  build_id BIGINT PRIMARY KEY REFERENCES builds (id) ON DELETE CASCADE,
  config TEXT NOT NULL,
  netrc TEXT
);
`,
  },
  {
    version: 3,
    name: 'gitlab bot: webhook deliveries, commit-status outbox, summary notes, held fork builds',
    sql: (d) => `
CREATE TABLE webhook_deliveries (
  id ${d.idColumn},
  dedupe_key TEXT NOT NULL UNIQUE,
  event TEXT NOT NULL,
  project_id BIGINT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  received_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);

CREATE TABLE status_outbox (
  id ${d.idColumn},
  project_id BIGINT NOT NULL,
  sha TEXT NOT NULL,
  name TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  target_url TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX status_outbox_key ON status_outbox (project_id, sha, name, id);
CREATE INDEX status_outbox_due ON status_outbox (next_attempt_at);

CREATE TABLE status_keys (
  project_id BIGINT NOT NULL,
  sha TEXT NOT NULL,
  name TEXT NOT NULL,
  repo_id BIGINT NOT NULL,
  build_number BIGINT NOT NULL,
  last_state TEXT NOT NULL,
  posted_state TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, sha, name)
);
CREATE INDEX status_keys_updated ON status_keys (updated_at);

CREATE TABLE mr_summary_notes (
  project_id BIGINT NOT NULL,
  mr_iid BIGINT NOT NULL,
  note_id BIGINT,
  build_number BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, mr_iid)
);

CREATE TABLE held_builds (
  id ${d.idColumn},
  repo_id BIGINT NOT NULL REFERENCES repos (id) ON DELETE CASCADE,
  project_id BIGINT NOT NULL,
  source_project_id BIGINT NOT NULL,
  mr_iid BIGINT NOT NULL,
  sha TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  request TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'held',
  build_number BIGINT,
  released_by TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  released_at BIGINT,
  UNIQUE (project_id, mr_iid, sha)
);
CREATE INDEX held_builds_mr ON held_builds (project_id, mr_iid, state);
`,
  },
  {
    version: 4,
    name: 'gitlab bot: commit statuses GitLab refused for good stay in the outbox with the reason',
    sql: () => `
ALTER TABLE status_outbox ADD COLUMN given_up_at BIGINT;
`,
  },
  {
    version: 5,
    name: "jobs: a job's whole plan in a table of its own; the job row keeps what scheduling reads",
    // Rows written before keep their whole plan in jobs.plan too: a superset of what is read there.
    sql: () => `
CREATE TABLE job_plans (
  job_id BIGINT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  plan TEXT NOT NULL
);
INSERT INTO job_plans (job_id, plan) SELECT id, plan FROM jobs;
`,
  },
];
