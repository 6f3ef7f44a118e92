/** `interleave swarm MODEL --cluster redis://host:port/NAME`: a swarm run over Redis, reported like `check`. */
import { compileModel, type AnyModelDefinition, type Model, type Params } from '../core/model.ts';
import { blockedThreads } from '../explorer/blocked.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { jsonReport } from '../report/json.ts';
import { palette } from '../report/palette.ts';
import { judgeTrace } from '../trace/judge.ts';
import { replay } from '../trace/trace.ts';
import { runSwarm, type SwarmFound, type SwarmOptions, type SwarmOutcome, type SwarmProgress } from '../cluster/swarm.ts';
import { EXIT } from './exitCodes.ts';
import type { Output } from './output.ts';
import type { PresentArgs } from './present.ts';
import { runCheck } from './runCheck.ts';
import { shellCommand } from './shellQuote.ts';

export interface SwarmArgs extends PresentArgs, Pick<SwarmOptions, 'url' | 'jobs' | 'runsPerJob' | 'depth' | 'seed' | 'localWorkers' | 'leaseMs'> {
  readonly spec: string;
  readonly params: Params;
  readonly json: boolean;
}

const n = (x: number): string => x.toLocaleString('en-US');

function progressLine(name: string, p: SwarmProgress): string {
  return `swarm ${name}: ${p.jobsDone}/${p.jobs} jobs, ${n(p.runs)} runs, ~${n(p.coverage)} states, ${p.workers} worker${p.workers === 1 ? '' : 's'}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/** The found run as the explorer's result, judged again here by replaying it. */
function outcomeOf<G>(model: Model<G>, f: SwarmFound, r: SwarmOutcome): ExploreOutcome {
  const trace = replay(model, f.path);
  const judged = judgeTrace(model, trace);
  if (judged.verdict === 'ok') throw new Error(`the swarm's counterexample (${f.path.join('/')}) does not replay to a failure: a step or guard is not deterministic`);
  const stats = { states: r.coverage, transitions: r.steps, depth: f.path.length, elapsedMs: r.elapsedMs, statesPerSecond: r.elapsedMs > 0 ? Math.round((r.coverage * 1000) / r.elapsedMs) : r.coverage };
  if (judged.verdict === 'deadlock') {
    return { verdict: 'deadlock', message: judged.message ?? f.message, path: f.path, blocked: blockedThreads(model, trace.states.at(-1) ?? model.initial), stats, witnesses: [] };
  }
  const name = judged.property ?? f.property;
  const kind = model.properties.find((q) => q.name === name)?.kind ?? 'assertion';
  return { verdict: 'violation', property: { name, kind }, message: judged.message ?? f.message, path: f.path, stats, witnesses: [] };
}

function schedulerText(f: { scheduler: string; pctDepth?: number }): string {
  return f.scheduler === 'pct' ? `PCT, ${f.pctDepth! - 1} priority change${f.pctDepth === 2 ? '' : 's'}` : 'uniform';
}

function repeatCommand(args: SwarmArgs, f: SwarmFound): string {
  const words = ['npx', 'interleave', 'simulate', args.spec];
  for (const [k, v] of Object.entries(args.params)) words.push('-p', `${k}=${String(v)}`);
  words.push('--seed', String(f.seed), '--runs', String(f.runs), '--depth', String(f.depth), '--scheduler', f.scheduler);
  if (f.pctDepth !== undefined) words.push('--pct-depth', String(f.pctDepth));
  return shellCommand(words);
}

function summary(name: string, r: SwarmOutcome): Record<string, unknown> {
  return {
    name,
    state: r.state,
    attached: !r.created,
    seed: r.meta.seed,
    jobs: r.jobs,
    jobsDone: r.jobsDone,
    runsPerJob: r.meta.runsPerJob,
    depth: r.meta.depth,
    runs: r.runs,
    steps: r.steps,
    coverage: { distinctStates: r.coverage, estimate: 'hyperloglog', standardError: 0.0081 },
    retried: r.retried,
    elapsedMs: r.elapsedMs,
    ...(r.found
      ? {
          found: {
            worker: r.found.worker,
            job: r.found.job,
            seed: r.found.seed,
            runs: r.found.runs,
            depth: r.found.depth,
            scheduler: r.found.scheduler,
            ...(r.found.pctDepth !== undefined ? { pctDepth: r.found.pctDepth } : {}),
            foundLength: r.found.foundLength,
            shrinks: r.found.shrinks,
          },
        }
      : {}),
  };
}

export async function runSwarmCommand(definition: AnyModelDefinition, args: SwarmArgs, out: Output, signal?: AbortSignal): Promise<number> {
  const model = compileModel(definition, args.params);
  const name = new URL(args.url).pathname.replace(/^\/+/, '');
  const p = palette(out.color);
  const live = !args.json && out.stderrIsTTY;
  let hinted = false;
  const r = await runSwarm(definition, args.spec, args.params, {
    url: args.url,
    jobs: args.jobs,
    runsPerJob: args.runsPerJob,
    depth: args.depth,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    localWorkers: args.localWorkers,
    ...(args.leaseMs !== undefined ? { leaseMs: args.leaseMs } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (q: SwarmProgress) => {
      if (live) out.status(progressLine(name, q));
      if (!hinted && q.workers === 0 && q.jobsDone === 0 && q.elapsedMs > 10_000) {
        hinted = true;
        if (live) out.status('');
        const base = args.url.replace(/\/[^/]*$/, '');
        out.stderr(`interleave: no worker has taken a job of "${name}" yet: start workers with \`interleave worker ${base}/${name}\`${args.localWorkers === 0 ? ' (or use --local-workers)' : ''}`);
      }
    },
  });
  if (live) out.status('');
  const rate = r.elapsedMs > 0 ? Math.round((r.runs * 1000) / r.elapsedMs) : r.runs;
  const lines = [
    `Swarm "${name}"${r.created ? '' : ' (attached to the run already in Redis)'}: ${r.jobsDone} of ${r.jobs} jobs, ${n(r.runs)} runs (${n(rate)} runs/s), seed ${r.meta.seed}, ${(r.elapsedMs / 1000).toFixed(1)} s${r.retried > 0 ? `; ${r.retried} job${r.retried === 1 ? '' : 's'} retried after a worker stopped answering` : ''}`,
    `Coverage: ~${n(r.coverage)} distinct states seen across the jobs (HyperLogLog estimate, standard error 0.81%)`,
  ];
  const f = r.found;
  if (f) {
    const outcome = outcomeOf(model, f, r);
    const shown: string[] = [];
    const capture: Output = { ...out, stdout: (t) => shown.push(t) };
    const code = runCheck(definition, { spec: args.spec, params: args.params, checked: outcome, json: args.json, trace: args.trace, ...(args.html !== undefined ? { html: args.html } : {}), ...(args.width !== undefined ? { width: args.width } : {}), minimise: true, continueHint: false, options: {} }, capture);
    if (args.json) {
      out.stdout(JSON.stringify({ ...(JSON.parse(shown.join('')) as Record<string, unknown>), swarm: summary(name, r) }));
      return code;
    }
    out.stdout(shown.join('\n'));
    out.stdout(
      [
        '',
        `Found by job ${f.job} (${schedulerText(f)}, depth bound ${f.depth}) on worker ${f.worker}: the failing run had ${f.foundLength} steps, shrunk to ${f.path.length} in ${f.shrinks} shrink steps`,
        ...lines,
        `Repeat the failing batch with: ${repeatCommand(args, f)}`,
      ].join('\n'),
    );
    return code;
  }
  if (args.json) {
    const stats = { states: r.coverage, transitions: r.steps, depth: 0, elapsedMs: r.elapsedMs, statesPerSecond: r.elapsedMs > 0 ? Math.round((r.coverage * 1000) / r.elapsedMs) : r.coverage };
    // A stopped swarm is incomplete without a budget; `swarm.state` says why.
    const base = r.state === 'stopped' ? { model: model.name, verdict: 'incomplete', stats } : jsonReport(model.name, { verdict: 'pass', stats, witnesses: [] });
    out.stdout(JSON.stringify({ ...base, source: args.spec, swarm: summary(name, r) }));
  } else if (r.state === 'stopped') {
    out.stdout([p.yellow(`STOPPED  ${model.name}: the swarm was stopped before every job ran, and found no counterexample`), ...lines].join('\n'));
  } else {
    out.stdout(
      [
        p.green(`no counterexample in ${n(r.runs)} random runs of ${model.name} (${r.jobs} swarm jobs: uniform and PCT, depth bounds ${Math.max(1, Math.round(r.meta.depth / 2))}–${r.meta.depth * 2})`),
        ...lines,
        p.dim('  random runs prove nothing: an exhaustive `check` does, where the model is small enough'),
      ].join('\n'),
    );
  }
  if (r.state === 'stopped') {
    // Stopped by this command's Ctrl-C or SIGTERM, or earlier (a run attached to): incomplete.
    if (signal?.aborted) return signal.reason === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    return EXIT.incomplete;
  }
  return EXIT.pass;
}
