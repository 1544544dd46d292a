/** The REST API's resources, as the CLI uses them. */
import type {
  BuildJson,
  RegistryJson,
  RepoJson,
  RunnerJson,
  SecretJson,
} from '../../gitlab-bot/api/present.js';
import { type HttpClient, seg } from './http.js';

export type { BuildJson, RegistryJson, RepoJson, RunnerJson, SecretJson };

export interface RepoUpdate {
  trusted?: boolean;
  timeout?: number;
  config_path?: string;
  concurrency?: number;
  cancel_previous?: boolean;
  allow_fork_secrets?: boolean;
}

export class HangarApi {
  constructor(readonly http: HttpClient) {}

  listRepos(active?: boolean): Promise<RepoJson[]> {
    return this.http.json('GET', `/repos${active === undefined ? '' : `?active=${active}`}`);
  }
  repo(repo: string): Promise<RepoJson> {
    return this.http.json('GET', `/repos/${seg(repo)}`);
  }
  enableRepo(repo: string): Promise<RepoJson> {
    return this.http.json('POST', `/repos/${seg(repo)}`);
  }
  disableRepo(repo: string): Promise<RepoJson> {
    return this.http.json('DELETE', `/repos/${seg(repo)}`);
  }
  updateRepo(repo: string, update: RepoUpdate): Promise<RepoJson> {
    return this.http.json('PATCH', `/repos/${seg(repo)}`, update);
  }

  listBuilds(repo: string, q: { branch?: string; limit?: number; before?: number }): Promise<BuildJson[]> {
    const params = new URLSearchParams();
    if (q.branch) params.set('branch', q.branch);
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    if (q.before !== undefined) params.set('before', String(q.before));
    const query = params.size > 0 ? `?${params}` : '';
    return this.http.json('GET', `/repos/${seg(repo)}/builds${query}`);
  }
  build(repo: string, number: number): Promise<BuildJson> {
    return this.http.json('GET', `/repos/${seg(repo)}/builds/${number}`);
  }
  createBuild(
    repo: string,
    body: { branch: string; commit?: string; params?: Record<string, string> },
  ): Promise<BuildJson> {
    return this.http.json('POST', `/repos/${seg(repo)}/builds`, body);
  }
  restartBuild(
    repo: string,
    number: number,
    body: { failed_only?: boolean; pipeline?: string; params?: Record<string, string> },
  ): Promise<BuildJson> {
    return this.http.json('POST', `/repos/${seg(repo)}/builds/${number}/restart`, body);
  }
  cancelBuild(repo: string, number: number): Promise<BuildJson> {
    return this.http.json('POST', `/repos/${seg(repo)}/builds/${number}/cancel`);
  }
  /** The log as a stream of text; with `follow`, until the step ends. */
  async logs(repo: string, number: number, pipeline: string, step: string, follow: boolean) {
    const res = await this.http.send(
      'GET',
      `/repos/${seg(repo)}/builds/${number}/logs/${seg(pipeline)}/${seg(step)}${follow ? '?follow=true' : ''}`,
      undefined,
      { stream: follow },
    );
    return res.body;
  }

  listSecrets(repo: string): Promise<SecretJson[]> {
    return this.http.json('GET', `/repos/${seg(repo)}/secrets`);
  }
  addSecret(
    repo: string,
    body: { name: string; value: string; events?: string[]; images?: string[] },
  ): Promise<SecretJson> {
    return this.http.json('POST', `/repos/${seg(repo)}/secrets`, body);
  }
  removeSecret(repo: string, name: string): Promise<void> {
    return this.http.json('DELETE', `/repos/${seg(repo)}/secrets/${seg(name)}`);
  }

  listRegistries(repo: string): Promise<RegistryJson[]> {
    return this.http.json('GET', `/repos/${seg(repo)}/registries`);
  }
  addRegistry(
    repo: string,
    body: { address: string; username: string; password: string },
  ): Promise<RegistryJson> {
    return this.http.json('POST', `/repos/${seg(repo)}/registries`, body);
  }
  removeRegistry(repo: string, address: string): Promise<void> {
    return this.http.json('DELETE', `/repos/${seg(repo)}/registries/${seg(address)}`);
  }

  listRunners(): Promise<RunnerJson[]> {
    return this.http.json('GET', '/runners');
  }
}
