/**
 * Every file of the shared corpus of real `.drone.yml` files, compiled for a
 * push to master: each one compiles, or is refused with the located message
 * recorded here. A change in any outcome fails this test, and the tally in
 * docs/pipelines.md must match what the run finds.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile, lintPipeline } from '../../services/shared/pipeline/compile.js';
import { testBuild } from '../../services/shared/pipeline/testing.js';
import type { CompileResult, Diagnostic } from '../../services/shared/pipeline/types.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');

/** Refused even for a trusted repository: the first error, as 'LINE:COL message start'. */
const REFUSED: Record<string, string> = {
  'drone-0.8/CasualGaming__studlan.yml': "10:3 step 'tttt' has no image",
  'drone-0.8/Peter-eid__soajs.nodejs.express.yml': "10:3 step 'cache' has no image",
  'drone-0.8/SierraSoftworks__chieftan-server.yml': "19:5 step 'docker' has no image",
  // `${TAG}` is not a build variable, so after substitution the command ends in ':' and reads as a mapping.
  'drone-0.8/SohoHouse__vue-renderer.yml':
    "22:9 step 'build_docker_image': commands must be a list of strings, but this item reads as a mapping",
  'drone-0.8/Stayfari__drone-gcr.yml': "16:3 step 'publish' has no image",
  'drone-0.8/TorinAsakura__avrs-api.yml': "30:5 step 'ssh' has commands and plugin settings (host, timeout)",
};

/**
 * Keys Drone's YAML decoding ignored: these files compile, each with a
 * warning at the key, as 'LINE:COL message start'.
 */
const IGNORED_KEYS: Record<string, string> = {
  'drone-0.8/Matmonsen__hex_to_rgb.yml': "1:1 unknown key 'version' is ignored, as Drone does",
  'drone-0.8/SAP-archive__marmolata-frp-dive.yml':
    "92:7 when of step 'slack': unknown condition 'change' is ignored, as Drone does",
  'drone-0.8/Stayfari__drone-gcr.yml': "39:1 'plugin:' is a Drone 0.4 section, which Drone 0.8 ignored",
  'drone-0.8/ipedrazas__drone-helm.yml': "54:1 'plugin:' is a Drone 0.4 section, which Drone 0.8 ignored",
  'drone-1.x/0xProject__0x-mesh.yml':
    "16:1 pipeline 'mesh': unknown key 'node_selector' is ignored, as Drone does; it belongs to kubernetes pipelines",
  'drone-1.x/1069080359__janice-pro.yml':
    "32:5 step 'build': unknown key 'clone' is ignored, as Drone does; clone is set per pipeline",
  'drone-1.x/1768177868__laravel-k3s-cluster.yml':
    "131:1 pipeline 'default': unknown key 'resources' is ignored, as Drone does; it belongs to kubernetes pipelines",
  'drone-1.x/Drillster__drone-email.yml':
    "27:3 step 'artificial fail': unknown key 'commads' is ignored, as Drone does; did you mean 'commands'? Without commands the step runs its image's entrypoint",
  'drone-1.x/go-gitea__gitea.yml':
    "750:1 pipeline 'notify': unknown key 'when' is ignored, as Drone does; pipelines use 'trigger:'",
  'drone-1.x/jellyfin__jellyfin.yml':
    "14:3 step 'build:debian': unknown key 'group' is ignored, as Drone does; in 1.x steps run one after another",
};

/** Compile for a trusted repository only: the first refusal for an untrusted one. */
const NEEDS_TRUST: Record<string, string> = {
  'drone-0.8/COMBINE-lab__RapMap.yml': "20:5 step 'copy_build' mounts volumes",
  'drone-0.8/DanElbert__dungeon.yml': "4:5 step 'build' mounts volumes",
  'drone-0.8/DantaFramework__Core.yml': "7:5 step 'build' mounts volumes",
  'drone-0.8/James9074__MEAN-App.yml': "12:5 step 'restore-cache' mounts volumes",
  'drone-0.8/Quving__Cheapmunk.yml': "9:7 step 'build' mounts volumes",
  'drone-0.8/Quving__telegrambot-wilson.yml': "4:5 step 'publish' runs privileged",
  'drone-1.x/0xJacky__uozi-docker.yml': "8:7 step 'build and push to aliyun' runs privileged",
  'drone-1.x/1069080359__janice-pro.yml':
    "6:5 pipeline 'default' mounts the host path '/data/drone/cache/group/project/node_modules'",
  'drone-1.x/186526__net186-config.yml': "17:5 step 'test' runs privileged",
  'drone-1.x/1898andCo__HAOS.yml': "90:5 pipeline 'amd64' mounts the host path '/var/run/docker.sock'",
  'drone-1.x/appleboy__drone-jenkins.yml':
    "86:3 pipeline 'testing' mounts the host path '/var/run/docker.sock'",
  'drone-1.x/grafana__grafana-image-renderer.yml':
    "81:3 pipeline 'test-pr' mounts the host path '/var/run/docker.sock'",
  'drone-1.x/k3s-io__kine.yml': "211:3 pipeline 'amd64' mounts the host path '/var/run/docker.sock'",
  'drone-1.x/longhorn__longhorn-manager.yml': "20:3 step 'build' runs privileged",
  'drone-1.x/rancher__local-path-provisioner.yml':
    "60:3 pipeline 'amd64' mounts the host path '/var/run/docker.sock'",
  'drone-1.x/rancher__rke.yml': "18:3 step 'ci' runs privileged",
  'drone-1.x/rancher__system-upgrade-controller.yml':
    "87:3 pipeline 'amd64' mounts the host path '/var/run/docker.sock'",
};

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

const files = walk(corpusRoot).map((path) => ({
  name: relative(corpusRoot, path),
  text: readFileSync(path, 'utf8'),
}));

function describeFirst(r: CompileResult): string {
  const e = r.errors[0];
  return e ? `${e.line}:${e.column} ${e.message}` : '(no error)';
}

function expectLocated(list: Diagnostic[], text: string): void {
  const lines = text.split('\n').length;
  for (const d of list) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines);
    expect(d.column).toBeGreaterThanOrEqual(1);
  }
}

const tally = { trusted: 0, untrusted: 0 };

describe('the shared corpus of real .drone.yml files', () => {
  it('holds the files the tables name, in both formats', () => {
    const names = new Set(files.map((f) => f.name));
    expect(files.length).toBe(120);
    for (const name of [...Object.keys(REFUSED), ...Object.keys(IGNORED_KEYS), ...Object.keys(NEEDS_TRUST)])
      expect(names).toContain(name);
  });

  describe.each(files)('$name', ({ name, text }) => {
    it('compiles for a push to master, or is refused with the recorded message', () => {
      const trusted = compile(text, testBuild({ event: 'push', branch: 'master', trusted: true }));
      expectLocated(trusted.errors, text);
      expectLocated(trusted.warnings, text);
      const ignored = IGNORED_KEYS[name];
      if (ignored !== undefined) {
        const warned = trusted.warnings.map((w) => `${w.line}:${w.column} ${w.message}`);
        expect(warned.filter((w) => w.startsWith(ignored))).toHaveLength(1);
      }
      const refused = REFUSED[name];
      if (refused !== undefined) {
        expect(trusted.ok).toBe(false);
        expect(describeFirst(trusted).startsWith(refused)).toBe(true);
        return;
      }
      expect(trusted.errors).toEqual([]);
      expect(trusted.jobs.length).toBeGreaterThan(0);
      for (const job of trusted.jobs) expect(job.steps.length).toBeGreaterThan(0);
      tally.trusted++;

      const untrusted = compile(text, testBuild({ event: 'push', branch: 'master', trusted: false }));
      const trust = NEEDS_TRUST[name];
      if (trust !== undefined) {
        expect(untrusted.ok).toBe(false);
        expect(describeFirst(untrusted).startsWith(trust)).toBe(true);
        for (const e of untrusted.errors) expect(e.message).toContain('which only trusted repositories may');
        return;
      }
      expect(untrusted.errors).toEqual([]);
      tally.untrusted++;
    });

    it('lints as written without throwing, every problem located', () => {
      const r = lintPipeline(text);
      expectLocated(r.errors, text);
      expectLocated(r.warnings, text);
    });
  });

  it('matches the tally stated in docs/pipelines.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'pipelines.md'), 'utf8');
    const refused = Object.keys(REFUSED).length;
    expect(tally.trusted).toBe(files.length - refused);
    expect(tally.untrusted).toBe(tally.trusted - Object.keys(NEEDS_TRUST).length);
    expect(doc).toContain(`**${tally.trusted} of ${files.length}** files compile for a trusted repository`);
    expect(doc).toContain(`**${refused}** are refused`);
    expect(doc).toContain(`**${tally.untrusted} of ${files.length}** compile for an untrusted repository`);
  });
});
