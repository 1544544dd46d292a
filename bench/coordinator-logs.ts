/**
 * Log ingest: a simulated runner streams L lines (B lines per batch, ~80
 * bytes each) of one step over SendLogs into a real coordinator (lease
 * checked, stored in SQLite, fanned out live on NATS, acknowledged), against
 * the same client streaming the same batches to a trivial gRPC server that
 * only counts lines and acknowledges each batch. The clock runs from the first
 * batch to the acknowledgement of the last. Afterwards the stored log is read
 * back and compared with what was sent: nothing may be missing or doubled.
 * After one warm-up of each side, rounds alternate which side goes first.
 * Target: ratio ≥ 0.5.
 *
 * With `follow`, a viewer tails the step live (TailLog) while it is written,
 * so lines are also published on NATS and streamed to it; it must receive
 * every line, in order.
 *
 *   npx tsx bench/coordinator-logs.ts [lines] [lines-per-batch] [rounds] [follow]
 */
import { credentials, Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import type { LogAck, LogAck__Output } from '../proto/generated/hangar/v1/LogAck.js';
import type { LogBatch, LogBatch__Output } from '../proto/generated/hangar/v1/LogBatch.js';
import { type RunnerClient, RunnerServiceClient, runnerService } from '../proto/load.js';
import { authMetadata } from '../services/shared/grpc/auth.js';
import { withDeadline } from '../services/shared/grpc/deadline.js';
import { Cluster, pipeline, SECRET } from '../test/coordinator/harness.js';
import { freePort } from '../test/support/nats-server.js';

const L = Number(process.argv[2] ?? 200_000);
const B = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 3);
const FOLLOW = process.argv[5] === 'follow';
const BATCHES = Math.ceil(L / B);

const line = (n: number) =>
  `${String(n).padStart(8, '0')} ${'the quick brown fox jumps over the lazy dog '.repeat(2).slice(0, 70)}`;

function batches(jobId: number, leaseToken: string, stepId: number): LogBatch[] {
  return Array.from({ length: BATCHES }, (_, i) => ({
    jobId,
    leaseToken,
    stepId,
    seq: i + 1,
    lines: Array.from({ length: Math.min(B, L - i * B) }, (_, k) => ({ text: line(i * B + k), timeMs: k })),
  }));
}

/** Streams every batch, respecting flow control; resolves at the acknowledgement of the last. */
async function stream(client: RunnerClient, list: LogBatch[]): Promise<number> {
  const call = client.sendLogs(authMetadata(SECRET), withDeadline(600_000));
  const t0 = performance.now();
  const lastAcked = new Promise<void>((resolve, reject) => {
    call.on('data', (a: LogAck__Output) => {
      if (a.ackedSeq >= BATCHES) resolve();
    });
    call.on('error', reject);
  });
  for (const b of list) {
    if (!call.write(b)) await new Promise((r) => call.once('drain', r));
  }
  await lastAcked;
  const ms = performance.now() - t0;
  call.end();
  return ms;
}

async function coordinatorRun(): Promise<{ ms: number; stored: number }> {
  const cluster = await Cluster.start({ logLimit: '1GiB', lease: '10m' });
  const repo = await cluster.repo();
  const runner = await cluster.runner('log-bench');
  await runner.register();
  const b = await cluster.createBuild(repo, pipeline('default', ['noisy']));
  const job = await runner.acceptNext(15_000, Number(b.jobs[0]?.id));
  const stepId = job.steps[1]!.id;
  const list = batches(job.jobId, job.leaseToken, stepId);
  const viewer = FOLLOW
    ? cluster.tail(
        { repo: { slug: repo.slug }, buildNumber: b.number, jobNumber: 1, step: 'noisy', follow: true },
        600_000,
      )
    : undefined;
  // Let the viewer's announcement reach the coordinator before the first line.
  if (viewer) await new Promise((r) => setTimeout(r, 200));
  const ms = await stream(runner.client, list);
  const text = await cluster.store.logs.text(stepId);
  const stored = text === '' ? 0 : text.split('\n').length - 1;
  const expected = `${Array.from({ length: L }, (_, i) => line(i)).join('\n')}\n`;
  if (text !== expected) throw new Error(`stored log differs from what was sent (${stored} of ${L} lines)`);
  if (viewer) {
    await runner.runAll(job);
    await viewer.done;
    const seen = viewer.chunks.flatMap((c) => c.lines);
    if (`${seen.join('\n')}\n` !== expected)
      throw new Error(`the viewer saw ${seen.length} of ${L} lines, or not in order`);
  }
  await cluster.dispose();
  return { ms, stored };
}

async function rawRun(): Promise<{ ms: number; counted: number }> {
  let counted = 0;
  const server = new Server();
  server.addService(runnerService, {
    SendLogs: (call: ServerDuplexStream<LogBatch__Output, LogAck>) => {
      call.on('data', (b: LogBatch__Output) => {
        counted += b.lines.length;
        call.write({ stepId: b.stepId, ackedSeq: b.seq, truncated: false });
      });
      call.on('end', () => call.end());
    },
  });
  const addr = `127.0.0.1:${await freePort()}`;
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(addr, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  const client = new RunnerServiceClient(addr, credentials.createInsecure());
  const ms = await stream(client, batches(1, 'token', 1));
  client.close();
  server.forceShutdown();
  if (counted !== L) throw new Error(`the trivial server counted ${counted} of ${L} lines`);
  return { ms, counted };
}

const rate = (ms: number) => (L / ms) * 1000;
const ratios: number[] = [];
console.log(
  `lines: ${L} (~80 bytes each), ${B} per batch, ${BATCHES} batches, rounds: ${ROUNDS}${FOLLOW ? ', one viewer following live' : ''}`,
);
// Warm-up (not counted): both sides once, so neither pays for the other's JIT.
await rawRun();
await coordinatorRun();
for (let round = 1; round <= ROUNDS; round++) {
  const first = round % 2 === 1 ? await rawRun() : undefined;
  const ours = await coordinatorRun();
  const raw = first ?? (await rawRun());
  ratios.push(rate(ours.ms) / rate(raw.ms));
  console.log(
    `round ${round}: raw gRPC stream ${rate(raw.ms).toFixed(0)} lines/s (${raw.ms.toFixed(0)} ms), coordinator into storage ${rate(ours.ms).toFixed(0)} lines/s (${ours.ms.toFixed(0)} ms), ratio ${(rate(ours.ms) / rate(raw.ms)).toFixed(3)}; stored ${ours.stored} of ${L} lines, none missing or doubled${FOLLOW ? '; the viewer got every line' : ''}`,
  );
}
const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] as number;
console.log(`ratio coordinator / raw gRPC (median of rounds): ${median.toFixed(3)} (target ≥ 0.5)`);
if (median < 0.5) {
  console.log('target missed');
  process.exitCode = 1;
}
