/** The command line: yargs wiring only. `runCli` returns the exit code so tests can drive it in-process. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { ModelError, UsageError } from '../core/errors.ts';
import { compileModel, expectedOf, type AnyModelDefinition, type Params, type ParamValue } from '../core/model.ts';
import { selectableProperties } from '../explorer/explore.ts';
import type { CheckOptions } from '../explorer/check.ts';
import type { Fairness } from '../explorer/fairCycle.ts';
import type { Engine, Strategy } from '../explorer/options.ts';
import { catalog } from '../../models/index.ts';
import { EXIT } from './exitCodes.ts';
import { loadModel, locateModel } from './loadModel.ts';
import { safeOutput, type Output } from './output.ts';
import { runInit } from './runInit.ts';
import type { PresentArgs } from './present.ts';
import { memoryGuard, progressPrinter } from './progress.ts';
import { exploreParallel } from '../explorer/parallel.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { runCheck } from './runCheck.ts';
import { runSuite } from './runSuite.ts';
import { runSimulate } from './runSimulate.ts';
import { runSwarmCommand } from './runSwarm.ts';
import { runKind, swarmWorker } from '../cluster/swarm.ts';
import { runReplay } from './runReplay.ts';
import { runExplore } from './runExplore.ts';
import { loopbackHost } from './explorerServer.ts';
import type { SearchThread } from './searchJob.ts';
import { checkInThread, DEFAULT_STEP_TIMEOUT_S } from './searchThread.ts';
import { exploreCluster } from '../cluster/coordinator.ts';
import { parseClusterUrl } from '../cluster/run.ts';
import { clusterWorker } from '../cluster/worker.ts';
import { livenessProperties } from '../explorer/liveness.ts';
import { checkpointNotes, checkpointPlan, DEFAULT_CHECKPOINT_MINUTES } from './checkpointRun.ts';
import { routineNumbering } from '../explorer/checkpoint.ts';

/** A repeatable option's values: yargs gives one value as a string, several as an array. */
function many(raw: string | readonly string[] | undefined): string[] | undefined {
  return raw === undefined ? undefined : typeof raw === 'string' ? [raw] : [...raw];
}

function parseParams(raw: string | readonly string[] | undefined): Params {
  const out: Record<string, ParamValue> = {};
  for (const item of many(raw) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects key=value, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function positiveNumber(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new UsageError(`--${name} must be a positive number, got ${String(v)}`);
  return v;
}

function positiveInt(name: string, v: unknown): number | undefined {
  const n = positiveNumber(name, v);
  if (n !== undefined && !Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got ${String(v)}`);
  return n;
}

interface BudgetArgs {
  readonly strategy?: string;
  readonly maxStates?: unknown;
  readonly maxDepth?: unknown;
  readonly timeout?: unknown;
  readonly property?: string | readonly string[] | undefined;
  readonly fairness?: string;
  readonly exact?: boolean;
  readonly compactFrontier?: boolean;
  readonly maxMemory?: unknown;
  readonly por?: boolean;
  readonly symmetry?: boolean;
  readonly representative?: string;
  readonly engine?: string;
}

function exploreOptions(a: BudgetArgs): CheckOptions {
  const maxStates = positiveInt('max-states', a.maxStates);
  const maxDepth = positiveInt('max-depth', a.maxDepth);
  const timeout = positiveNumber('timeout', a.timeout);
  const maxMemory = positiveNumber('max-memory', a.maxMemory);
  return {
    ...memoryGuard(maxMemory),
    ...(a.exact ? { exact: true } : {}),
    ...(a.engine !== undefined ? { engine: a.engine as Engine } : {}),
    ...(a.compactFrontier ? { compactFrontier: true } : {}),
    ...(a.strategy !== undefined ? { strategy: a.strategy as Strategy } : {}),
    ...(maxStates !== undefined ? { maxStates } : {}),
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(a.property !== undefined ? { properties: many(a.property)! } : {}),
    ...(a.fairness !== undefined ? { fairness: a.fairness as Fairness } : {}),
    ...(a.por !== undefined ? { por: a.por } : {}),
    ...(a.symmetry !== undefined ? { symmetry: a.symmetry ? ((a.representative ?? 'canonical') as 'canonical' | 'sorted') : false } : {}),
  };
}

/** The safety search on worker threads, with the progress line on a terminal. */
async function parallelSafety(spec: string, definition: AnyModelDefinition, params: Params, workers: number, options: CheckOptions, json: boolean, out: Output): Promise<ExploreOutcome> {
  const { fairness: _, exact: __, now: ___, shared: ____, ...rest } = options;
  const progress = json || !out.stderrIsTTY ? undefined : progressPrinter(out);
  try {
    return await exploreParallel({ model: spec, params, definition, source: await locateModel(spec, definition) }, { ...rest, workers, ...(progress ? { onProgress: progress.update } : {}) });
  } finally {
    progress?.done();
  }
}
interface ClusterArgs {
  readonly url: string;
  readonly resume: boolean;
  readonly localWorkers: number;
  readonly partitions?: number;
  readonly claimAfterMs?: number;
}

function clusterArgs(a: { cluster?: string | undefined; resume?: string | undefined; localWorkers?: number | undefined; partitions?: number | undefined; claimAfter?: number | undefined; strategy: string; exact: boolean; engine: string; continue: boolean; preemptionBound?: number | undefined }, workers: number): ClusterArgs {
  const url = a.cluster!;
  const { name } = parseClusterUrl(url);
  if (workers > 1 || a.strategy === 'dfs' || a.exact || a.engine === 'reference' || a.continue || a.preemptionBound !== undefined) {
    throw new UsageError('--cluster runs a breadth-first search on the compiled space: it does not combine with --workers, --strategy dfs, --exact, --engine reference, --continue or --preemption-bound');
  }
  if (a.resume !== undefined && a.resume !== name) throw new UsageError(`--resume ${a.resume} does not name the run in --cluster ${url} (${name})`);
  const localWorkers = a.localWorkers === undefined ? 0 : a.localWorkers === 0 ? 0 : positiveInt('local-workers', a.localWorkers)!;
  const partitions = positiveInt('partitions', a.partitions);
  if (a.claimAfter !== undefined && !(a.claimAfter > 0)) throw new UsageError(`--claim-after must be a positive number of seconds, got ${String(a.claimAfter)}`);
  return { url, resume: a.resume !== undefined, localWorkers, ...(partitions !== undefined ? { partitions } : {}), ...(a.claimAfter !== undefined ? { claimAfterMs: a.claimAfter * 1000 } : {}) };
}

/** The safety search on a cluster (src/cluster/coordinator.ts); liveness, if any, follows here as a second phase. */
async function clusterSafety(spec: string, definition: AnyModelDefinition, params: Params, c: ClusterArgs, options: CheckOptions, json: boolean, out: Output): Promise<ExploreOutcome> {
  const progress = json || !out.stderrIsTTY ? undefined : progressPrinter(out);
  // Stopping the coordinator stops nothing else: the run is in Redis and the workers go on.
  const name = parseClusterUrl(c.url).name;
  const onSignal = (signal: NodeJS.Signals): void => {
    progress?.done();
    out.stderr(`interleave: the coordinator stopped; run ${name} stays in Redis and its workers go on: continue it with the same command and --resume ${name}`);
    process.exit(signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await exploreCluster({
      url: c.url,
      spec,
      definition,
      params,
      ...(options.properties ? { properties: options.properties } : {}),
      ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
      ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.por !== undefined ? { por: options.por } : {}),
      ...(options.symmetry !== undefined ? { symmetry: options.symmetry } : {}),
      resume: c.resume,
      localWorkers: c.localWorkers,
      ...(c.partitions !== undefined ? { partitions: c.partitions } : {}),
      ...(c.claimAfterMs !== undefined ? { claimAfterMs: c.claimAfterMs } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
      log: (line) => {
        progress?.done();
        if (!json) out.stderr(`interleave: ${line}`);
      },
    });
    if (result.verdict === 'pass' && livenessProperties(compileModel(definition, params), options.properties).length > 0 && !json) {
      out.stderr('interleave: liveness properties are checked in a second phase on this machine (the liveness graph is not distributed)');
    }
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.done();
  }
}

/** Reduction flags of the commands that search: on by default on the command line (explore() defaults them off). */
const reductionOptions = {
  por: { type: 'boolean' as const, default: true, describe: 'partial-order reduction where steps declare footprints (--no-por: expand every interleaving)' },
  symmetry: { type: 'boolean' as const, default: true, describe: 'store one state per renaming of the actors a model declares interchangeable (--no-symmetry: all)' },
  representative: {
    choices: ['canonical', 'sorted'] as const,
    default: 'canonical' as const,
    describe: "symmetry representative: the least renaming (one state per class), or Stateright's sort by key (cheaper, may store a class more than once)",
  },
};

/** Registered models whose names start with any of the prefixes (all when none given). */
function selectModels(prefixes: readonly string[]): typeof catalog {
  const chosen = prefixes.length === 0 ? catalog : catalog.filter((m) => prefixes.some((f) => m.name.startsWith(f)));
  if (chosen.length === 0) throw new UsageError(`no registered model starts with ${prefixes.map((f) => `"${f}"`).join(' or ')}; see \`interleave list\``);
  return chosen;
}

/** Options of the commands that run the explorer: visited-set kind and memory budget. */
const engineOptions = {
  exact: { type: 'boolean' as const, default: false, describe: 'key visited states by their full encoding instead of a 64-bit fingerprint (no collision risk, several times the memory)' },
  'compact-frontier': { type: 'boolean' as const, default: false, describe: 'keep queued states as bytes, not objects (much smaller queue on large models, somewhat slower)' },
  'max-memory': { type: 'number' as const, describe: 'stop (exit 3, budget maxMemory) once the process uses more than this many MiB' },
  engine: {
    choices: ['compiled', 'reference'] as const,
    default: 'compiled' as const,
    describe: 'state space: packed vectors through generated accessors (compiled), or immer over frozen objects (reference, the one the compiled space is tested against)',
  },
};

/** Options of every command that prints a counterexample. */
const presentOptions = {
  trace: { choices: ['diff', 'full'] as const, default: 'diff' as const, describe: 'under each step: what changed (diff) or the whole state (full)' },
  html: { type: 'string' as const, describe: 'also write a self-contained HTML report with a sequence diagram (no value: reports/<model>.html)' },
  width: { type: 'number' as const, describe: 'columns for the swimlanes (default: the terminal width, 120 when not a terminal)' },
};

function presentArgs(a: { trace: 'diff' | 'full'; html?: string | undefined; width?: number | undefined }): PresentArgs {
  const width = positiveInt('width', a.width);
  return { trace: a.trace, ...(a.html !== undefined ? { html: String(a.html) } : {}), ...(width !== undefined ? { width } : {}) };
}

/** `--no-deadlock`: every check the model has (or the --property selection) but deadlock. */
function withoutDeadlock(definition: AnyModelDefinition, params: Params, options: CheckOptions): CheckOptions {
  const all = options.properties ?? selectableProperties(compileModel(definition, params));
  return { ...options, properties: all.filter((n) => n !== 'deadlock') };
}

const VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

/** What the `interleave` process gives the CLI beyond its arguments (main.ts); tests that run the CLI in-process give nothing. */
export interface CliHost {
  /**
   * A search thread started early: `check` then runs its search there, with the step watchdog and
   * Ctrl-C/SIGTERM handling (searchThread.ts). Without one, the search runs on the calling thread.
   */
  readonly searchThread?: SearchThread;
}

/** `--step-timeout` in milliseconds (0: no watchdog). */
function stepTimeoutMs(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UsageError(`--step-timeout must be a number of seconds (0 turns the watchdog off), got ${String(v)}`);
  return v * 1000;
}

export async function runCli(argv: readonly string[], rawOut: Output, host: CliHost = {}): Promise<number> {
  const out = safeOutput(rawOut);
  // Stays undefined when yargs only printed --help or --version.
  let code: number | undefined;
  const parser = yargs([...argv])
    .scriptName('interleave')
    .usage('$0 <command> [options]\n\nExplicit-state model checker for concurrent protocols written in TypeScript.')
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of text' })
    .option('param', { alias: 'p', type: 'string', requiresArg: true, describe: 'model parameter key=value (repeat -p for more)' })
    .command(
      'check [model]',
      'explore every interleaving of a model and check its properties',
      (y) =>
        y
          .positional('model', { type: 'string', describe: 'registered name (see `list`) or path to a .ts model file' })
          .option('all', { type: 'boolean', default: false, describe: 'check every registered model against its expected verdict (same as `suite`)' })
          .option('strategy', { choices: ['bfs', 'dfs'] as const, default: 'bfs' as const, describe: 'bfs finds shortest counterexamples' })
          .option('max-states', { type: 'number', describe: 'stop (exit 3) after storing this many unique states' })
          .option('max-depth', { type: 'number', describe: 'do not expand states deeper than this (exit 3 if any were cut off)' })
          .option('timeout', { type: 'number', describe: 'stop (exit 3) after this many seconds' })
          .options(engineOptions)
          .option('fairness', {
            choices: ['weak', 'strong', 'none'] as const,
            default: 'weak' as const,
            describe: 'fairness assumed by liveness properties, per actor',
          })
          .option('property', {
            type: 'string',
            requiresArg: true,
            describe: 'check only this property (repeat for more; "deadlock" for deadlock detection); default: all',
          })
          .option('deadlock', { type: 'boolean', default: true, describe: "report states where no thread can move (--no-deadlock: do not, like SPIN's -E or TLC's CHECK_DEADLOCK FALSE)" })
          .option('continue', { type: 'boolean', default: false, describe: "search on past each violation and report every violated property, each with its shortest counterexample (SPIN's -e, TLC's -continue)" })
          .option('workers', { type: 'number', describe: 'explore with N worker threads sharing one visited set (default 1)' })
          .option('cluster', { type: 'string', requiresArg: true, describe: 'distributed search over Redis: redis://HOST:PORT/NAME; workers join with `interleave worker` (see docs/distributed.md)' })
          .option('resume', {
            type: 'string',
            requiresArg: true,
            describe: 'continue the search checkpointed in folder DIR (same model, parameters and options; goes on checkpointing there), or with --cluster the run NAME (after the coordinator or Redis restarted)',
          })
          .option('local-workers', { type: 'number', describe: 'with --cluster: also start N worker processes on this machine (default 0)' })
          .option('partitions', { type: 'number', describe: 'with --cluster: partitions of the state space, by fingerprint (default 16)' })
          .option('claim-after', { type: 'number', describe: 'with --cluster and --local-workers: seconds before a silent worker\'s states go to others (default 5)' })
          .option('preemption-bound', { type: 'number', describe: 'first search the interleavings with at most N preemptions (fewest first), then fall back to the full search' })
          .option('minimise', { type: 'boolean', default: true, describe: 'reorder the counterexample towards fewest context switches (--no-minimise: as the search met it)' })
          .option('checkpoint', { type: 'string', requiresArg: true, describe: 'write the search to this folder every --checkpoint-every minutes (atomically), and when stopped by Ctrl-C or SIGTERM' })
          .option('checkpoint-every', { type: 'number', describe: `minutes between checkpoints (default ${DEFAULT_CHECKPOINT_MINUTES}; fractions allowed)` })
          .option('step-timeout', {
            type: 'number',
            default: DEFAULT_STEP_TIMEOUT_S,
            describe: 'stop a step that runs longer than this many seconds and name it, with the replay path of its state (exit 2); 0: never',
          })
          .options(reductionOptions)
          .options(presentOptions),
      async (a) => {
        if (a.all) {
          if (a.model !== undefined) throw new UsageError('give either a model or --all, not both');
          if (a.property || a.param) throw new UsageError('--all checks each model at its defaults: --property and --param do not apply');
          if (a.checkpoint !== undefined || a.resume !== undefined) throw new UsageError('--checkpoint and --resume apply to one model, not --all');
          code = runSuite({ models: catalog, json: a.json, options: exploreOptions(a) }, out);
          return;
        }
        if (a.model === undefined) throw new UsageError('name a model to check (see `interleave list`), or use --all');
        const definition = await loadModel(a.model);
        const params = parseParams(a.param);
        const options = a.deadlock ? exploreOptions(a) : withoutDeadlock(definition, params, exploreOptions(a));
        const bound = a.preemptionBound;
        if (bound !== undefined && (!Number.isInteger(bound) || bound < 0)) throw new UsageError(`--preemption-bound must be a non-negative integer, got ${String(bound)}`);
        const workers = positiveInt('workers', a.workers) ?? 1;
        if (workers > 1 && (bound !== undefined || a.exact || a.strategy === 'dfs')) {
          throw new UsageError('--workers does not combine with --preemption-bound, --exact or --strategy dfs');
        }
        if (a.continue && bound !== undefined) throw new UsageError('--continue does not combine with --preemption-bound');
        const checkpoint = checkpointPlan(
          { spec: a.model, checkpoint: a.checkpoint, checkpointEvery: a.checkpointEvery, resume: a.cluster === undefined ? a.resume : undefined, workers, engine: a.engine, exact: a.exact, preemptionBound: bound, continue: a.continue, cluster: a.cluster, version: VERSION },
          definition,
          params,
          options,
        );
        if (checkpoint) for (const note of checkpointNotes(definition, params, options, checkpoint.plan, checkpoint.resumed)) out.stderr(note);
        const timeoutMs = stepTimeoutMs(a.stepTimeout);
        const cluster = a.cluster !== undefined ? clusterArgs(a, workers) : undefined;
        const safety = cluster
          ? await clusterSafety(a.model, definition, params, cluster, options, a.json, out)
          : workers > 1
            ? await parallelSafety(a.model, definition, params, workers, options, a.json, out)
            : undefined;
        let checked: ExploreOutcome | undefined;
        if (host.searchThread && workers === 1 && bound === undefined && !cluster) {
          const progress = a.json || !out.stderrIsTTY ? undefined : progressPrinter(out);
          try {
            const model = compileModel(definition, params, checkpoint ? routineNumbering(checkpoint.resumed?.search.routines) : undefined);
            const ran = await checkInThread(
              host.searchThread,
              { spec: a.model, params, model, options, stepTimeoutMs: timeoutMs, ...(progress ? { onProgress: progress.update } : {}), ...(checkpoint ? { checkpoint: checkpoint.plan } : {}) },
              out,
            );
            if ('code' in ran) {
              code = ran.code;
              return;
            }
            // The thread numbered routines as its search met them, so its state encodings do not
            // compare with a replay of the model compiled here: the path alone replays and is judged.
            const { pathKeys: _, ...outcome } = ran.outcome as ExploreOutcome & { pathKeys?: unknown };
            checked = outcome as ExploreOutcome;
          } finally {
            progress?.done();
          }
        }
        code = runCheck(
          definition,
          {
            spec: a.model,
            params,
            ...(safety ? { safety } : {}),
            ...(checked ? { checked } : {}),
            json: a.json,
            ...presentArgs(a),
            minimise: a.minimise,
            ...(bound !== undefined ? { preemptionBound: bound } : {}),
            continue: a.continue,
            options,
            ...(checkpoint ? { checkpoint: checkpoint.plan } : {}),
          },
          out,
        );
      },
    )
    .command(
      'suite [prefix..]',
      'check every registered model (or those whose names start with a prefix) against its expected verdict and print a table',
      (y) =>
        y
          .positional('prefix', { type: 'string', array: true, describe: 'only models whose names start with this, e.g. hmm/' })
          .option('strategy', { choices: ['bfs', 'dfs'] as const, default: 'bfs' as const })
          .option('max-states', { type: 'number', describe: 'per model: stop after this many unique states' })
          .option('timeout', { type: 'number', describe: 'per model: stop after this many seconds' })
          .options(engineOptions)
          .options(reductionOptions)
          .option('fairness', {
            choices: ['weak', 'strong', 'none'] as const,
            default: 'weak' as const,
            describe: 'fairness assumed by liveness properties, per actor',
          }),
      (a) => {
        code = runSuite({ models: selectModels(a.prefix ?? []), json: a.json, options: exploreOptions(a) }, out);
      },
    )
    .command(
      'simulate <model>',
      'random runs checked against the safety properties; a failing run is shrunk and its seed printed',
      (y) =>
        y
          .positional('model', { type: 'string', demandOption: true, describe: 'registered name or path to a .ts model file' })
          .option('runs', { type: 'number', default: 1000, describe: 'random runs at most' })
          .option('depth', { type: 'number', default: 200, describe: 'steps per run at most' })
          .option('seed', { type: 'number', describe: 'random seed (printed; the same seed repeats the session)' })
          .option('scheduler', { choices: ['uniform', 'pct'] as const, default: 'uniform' as const, describe: 'uniform random steps, or PCT priority scheduling' })
          .option('engine', engineOptions.engine)
          .option('pct-depth', { type: 'number', default: 3, describe: 'PCT bug depth d (d - 1 priority change points per run)' }),
      async (a) => {
        const definition = await loadModel(a.model);
        const runs = positiveInt('runs', a.runs)!;
        const depth = positiveInt('depth', a.depth)!;
        const pctDepth = positiveInt('pct-depth', a.pctDepth)!;
        const seed = a.seed ?? (Date.now() % 2 ** 31);
        if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${a.seed}`);
        code = runSimulate(definition, { spec: a.model, params: parseParams(a.param), json: a.json, options: { runs, depth, seed, pctDepth, scheduler: a.scheduler, engine: a.engine as Engine } }, out);
      },
    )
    .command(
      'worker <url>',
      'join a distributed search (check --cluster) or a swarm (swarm --cluster) as a worker: redis://HOST:PORT/NAME',
      (y) =>
        y
          .positional('url', { type: 'string', demandOption: true, describe: 'the run: redis://HOST:PORT/NAME' })
          .option('id', { type: 'string', requiresArg: true, describe: "this worker's name in the run (default HOST:PID)" })
          .option('claim-after', { type: 'number', default: 5, describe: "seconds before a silent worker's claimed states are taken over" }),
      async (a) => {
        if (!(a.claimAfter > 0)) throw new UsageError(`--claim-after must be a positive number of seconds, got ${String(a.claimAfter)}`);
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          if ((await runKind(a.url)) === 'swarm') {
            // A swarm run (interleave swarm): take its jobs until it ends.
            await swarmWorker(a.url, parseClusterUrl(a.url).name, { ...(a.id !== undefined ? { id: a.id } : {}), signal: stop.signal, log: (line) => out.stderr(`interleave: ${line}`) });
          } else {
            const t = await clusterWorker(a.url, { ...(a.id !== undefined ? { id: a.id } : {}), claimAfterMs: a.claimAfter * 1000, signal: stop.signal, log: (line) => out.stderr(`interleave: ${line}`) });
            if (a.json) out.stdout(JSON.stringify(t));
          }
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        code = stop.signal.aborted ? EXIT.interrupted : EXIT.pass;
      },
    )
    .command(
      'swarm <model>',
      'many bounded random searches (seeds, schedulers, depth bounds) as jobs for worker processes over Redis; the first counterexample wins',
      (y) =>
        y
          .positional('model', { type: 'string', demandOption: true, describe: 'registered name or path to a .ts model file' })
          .option('cluster', { type: 'string', demandOption: true, requiresArg: true, describe: 'redis://host:port/NAME: the Redis holding the run, and the run\'s name' })
          .option('jobs', { type: 'number', default: 64, describe: 'jobs to hand out (each its own seed, scheduler and depth bound)' })
          .option('runs-per-job', { type: 'number', default: 200, describe: 'random runs per job' })
          .option('depth', { type: 'number', default: 200, describe: 'steps per run; jobs take D, D/2 and 2D in turn' })
          .option('seed', { type: 'number', describe: "the swarm's seed (default: random, printed; jobs' seeds derive from it)" })
          .option('local-workers', { type: 'number', default: 1, describe: 'worker processes to start on this machine (0: only coordinate; start workers elsewhere)' })
          .options(presentOptions),
      async (a) => {
        const definition = await loadModel(a.model);
        const localWorkers = a.localWorkers;
        if (!Number.isInteger(localWorkers) || localWorkers < 0) throw new UsageError(`--local-workers must be a whole number, got ${String(localWorkers)}`);
        if (a.seed !== undefined && !Number.isInteger(a.seed)) throw new UsageError(`--seed must be an integer, got ${a.seed}`);
        const stop = new AbortController();
        const onSignal = (s: NodeJS.Signals): void => stop.abort(s);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          code = await runSwarmCommand(
            definition,
            {
              spec: a.model,
              params: parseParams(a.param),
              json: a.json,
              url: a.cluster,
              jobs: positiveInt('jobs', a.jobs)!,
              runsPerJob: positiveInt('runs-per-job', a.runsPerJob)!,
              depth: positiveInt('depth', a.depth)!,
              ...(a.seed !== undefined ? { seed: a.seed } : {}),
              localWorkers,
              ...presentArgs(a),
            },
            out,
            stop.signal,
          );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      },
    )
    .command(
      'list',
      'list the registered models with their expected verdicts',
      (y) => y,
      (a) => {
        const rows = catalog.map((m) => {
          const e = expectedOf(m, m.params);
          return { name: m.name, description: m.description, expected: e ? { verdict: e.verdict, ...(e.property ? { property: e.property } : {}) } : null };
        });
        if (a.json) out.stdout(JSON.stringify(rows));
        else {
          const w = Math.max(...rows.map((r) => r.name.length));
          for (const r of rows) {
            const e = r.expected ? `${r.expected.verdict}${r.expected.property ? ` (${r.expected.property})` : ''}` : '-';
            out.stdout(`${r.name.padEnd(w)}  ${e.padEnd(36)}  ${r.description}`);
          }
        }
        code = EXIT.pass;
      },
    )
    .command(
      'replay [model] [path]',
      'rebuild a counterexample from its replay path (e.g. 0/2/1/4; "-" for the initial state) or from a saved JSON report',
      (y) =>
        y
          .positional('model', { type: 'string', describe: 'registered name or model file' })
          .positional('path', { type: 'string', describe: 'replay path, as check prints it' })
          .option('from', { type: 'string', describe: 'a report written by `check --json` (docs/trace.schema.json)' })
          .options(presentOptions),
      async (a) => {
        code = await runReplay(
          {
            ...(a.model !== undefined ? { spec: a.model } : {}),
            ...(a.path !== undefined ? { path: String(a.path) } : {}),
            ...(a.from !== undefined ? { from: a.from } : {}),
            params: parseParams(a.param),
            json: a.json,
            ...presentArgs(a),
          },
          out,
        );
      },
    )
    .command(
      'explore <model>',
      'serve an interactive explorer on 127.0.0.1: pick steps, go back, jump to the violation',
      (y) =>
        y
          .positional('model', { type: 'string', demandOption: true, describe: 'registered name or model file' })
          .option('port', { type: 'number', default: 7377, describe: 'TCP port (0: any free port)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'loopback address to listen on (127.0.0.1, localhost or ::1 only)' })
          .option('check', { type: 'boolean', default: true, describe: 'check the model first so the page can jump to its counterexample (--no-check skips)' })
          .option('property', { type: 'string', requiresArg: true, describe: 'check only this property (repeat for more)' }),
      async (a) => {
        const host = loopbackHost(a.host);
        if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${String(a.port)}`);
        const definition = await loadModel(a.model);
        const stop = new Promise((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        code = await runExplore(definition, { params: parseParams(a.param), host, port: a.port, check: a.check, ...(a.property !== undefined ? { properties: many(a.property)! } : {}) }, out, stop);
      },
    )
    .command(
      'init [dir]',
      'create a model project: package.json, tsconfig.json, an example model and a test that pins its verdict (never overwrites a file)',
      (y) => y.positional('dir', { type: 'string', default: '.', describe: 'folder to create or fill' }),
      (a) => {
        code = runInit({ dir: a.dir }, out);
      },
    )
    .demandCommand(1, 'name a command: check, suite, simulate, swarm, list, replay, explore or init')
    .strict()
    .recommendCommands()
    .help()
    .version(VERSION)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  try {
    let printed = '';
    await parser.parseAsync([...argv], {}, (_err, _argv, output) => {
      printed = output;
    });
    if (code === undefined) {
      // --help or --version: yargs handed its text to the callback instead of printing it.
      if (printed) out.stdout(printed);
      return EXIT.pass;
    }
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`interleave: ${e.message}\n  run \`interleave --help\` for usage`);
      return EXIT.usage;
    }
    if (e instanceof ModelError) {
      out.stderr(`interleave: model error: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof Error && e.name === 'YError') {
      out.stderr(`interleave: ${e.message}\n  run \`interleave --help\` for usage`);
      return EXIT.usage;
    }
    throw e;
  }
}
