/**
 * Time to compile every file of the shared corpus (../shared/corpus) for a
 * push to master, as the coordinator does for each build. Prints the total
 * per round, the per-file average and the slowest files. Target: the whole
 * corpus well under a second.
 *
 *   npx tsx bench/compile-corpus.ts [rounds]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../services/shared/pipeline/compile.js';
import { testBuild } from '../services/shared/pipeline/testing.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');
const rounds = Number(process.argv[2] ?? 5);

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
const ctx = testBuild({ event: 'push', branch: 'master', trusted: true });
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);

// One warm-up round so the numbers are for compiled code, not the first parse of the modules.
for (const f of files) compile(f.text, ctx);

const perFile = new Map<string, number[]>();
const totals: number[] = [];
const cpu: number[] = [];
for (let r = 0; r < rounds; r++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (const f of files) {
    const t0 = performance.now();
    compile(f.text, ctx);
    const ms = performance.now() - t0;
    perFile.set(f.name, [...(perFile.get(f.name) ?? []), ms]);
  }
  totals.push(performance.now() - started);
  const used = process.cpuUsage(cpuStarted);
  cpu.push((used.user + used.system) / 1000);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const total = median(totals);
console.log(`corpus: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB, ${rounds} rounds`);
console.log(
  `whole corpus: median ${total.toFixed(1)} ms (min ${Math.min(...totals).toFixed(1)}, max ${Math.max(...totals).toFixed(1)})`,
);
console.log(
  `whole corpus, CPU time of this process: median ${median(cpu).toFixed(1)} ms (wall time suffers when the machine is shared)`,
);
console.log(
  `per file: average ${(total / files.length).toFixed(2)} ms wall, ${(median(cpu) / files.length).toFixed(2)} ms CPU`,
);
console.log('slowest files (median ms, size):');
const slow = [...perFile.entries()]
  .map(([name, xs]) => ({ name, ms: median(xs) }))
  .sort((a, b) => b.ms - a.ms);
for (const { name, ms } of slow.slice(0, 5)) {
  const size = Buffer.byteLength(files.find((f) => f.name === name)?.text ?? '');
  console.log(`  ${ms.toFixed(2).padStart(7)}  ${(size / 1024).toFixed(1).padStart(5)} KiB  ${name}`);
}
console.log(`target: whole corpus under 1000 ms — ${total < 1000 ? 'met' : 'NOT met'}`);
