/**
 * The SPIN side of the benchmark: runs SPIN on the Promela equivalent of a benchmark case
 * (bench/promela/*.pml, or generated text for two-phase commit) and parses pan's report.
 *
 * "Equivalent" means the same unique states: each interleave step is one d_step, callee locals are
 * reset when a call returns, finished threads block at `end_done` (see the header of each .pml).
 * SPIN is run without its state-space reductions so that its "states, stored" is interleave's
 * state count: pan is compiled with -DNOREDUCE (no partial-order reduction) and the model is
 * generated with `spin -o2` (no dead-variable elimination, which resets a local once it is dead and
 * would merge states interleave keeps apart, e.g. the driver's pfns after it populated the device).
 * `reduction: true` drops -DNOREDUCE to measure SPIN's partial-order reduction on the same model.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SpinResult {
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  statesPerSecond: number;
  memoryMiB: number;
  bytesPerState: number;
  command: string;
}

export interface SpinOptions {
  /** Let SPIN apply partial-order reduction (pan built without -DNOREDUCE). Default false. */
  readonly reduction?: boolean;
  /** pan -w: log2 of the hash-table slots. Default 24 (pan's: 16M slots, 128 MiB). */
  readonly hashBits?: number;
  /** pan -m: the depth-first stack bound; doubled up to 64M and re-run if pan reports it too small. */
  readonly maxDepth?: number;
  /** pan's memory limit in MiB (-DMEMLIM): past it pan stops with a message instead of the kernel killing it. */
  readonly memLimitMiB?: number;
  /** Compile pan with -O2 (default) or -O0, which compiles several times faster (tests of small models). */
  readonly optimise?: boolean;
}

const PROMELA = join(dirname(fileURLToPath(import.meta.url)), 'promela');

interface Translation {
  /** A file under bench/promela, or generated Promela text. */
  readonly file?: string;
  readonly text?: string;
  /** cpp macros for `spin -D`. */
  readonly defines: Record<string, number>;
  /** Extra pan run-time flags. */
  readonly panFlags?: readonly string[];
}

/** Undefined when spin and a C compiler are available; otherwise a message saying why SPIN rows are skipped. */
export function spinUnavailable(): string | undefined {
  const spin = spawnSync('spin', ['-V'], { encoding: 'utf8' });
  if (spin.error || spin.status !== 0) {
    return 'SPIN rows skipped: `spin` is not on PATH (install it with `apt-get install spin`)';
  }
  const cc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return 'SPIN rows skipped: SPIN needs a C compiler, and `gcc` is not on PATH';
  return undefined;
}

const num = (params: Record<string, unknown>, key: string, fallback: number): number => {
  const v = params[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${key} must be a non-negative integer, got ${String(v)}`);
  return v;
};

/** The Promela equivalent of a benchmark case (defaults as the interleave models'), or undefined. */
export function promelaFor(model: string, params: Record<string, unknown>): Translation | undefined {
  switch (model) {
    case 'classic/peterson':
      return { file: 'peterson.pml', defines: { N: num(params, 'n', 3) } };
    case 'classic/two-phase-commit':
      return { text: twoPhaseCommitPml(num(params, 'rms', 3)), defines: {} };
    case 'hmm/v5.5-interval-notifier':
      return { file: 'hmm-v5.5-interval-notifier.pml', defines: hmmDefines(params) };
    case 'hmm/v5.2-valid-flag': {
      // Both drivers are compared on the whole state space (see the .pml header); the seed driver
      // deadlocks, so pan must not stop at its invalid end states (-E).
      const driver = params.driver ?? 'seed';
      const onTimeout = params.onTimeout ?? 'return';
      if (driver !== 'seed' && driver !== 'doc') throw new Error('driver must be "seed" or "doc"');
      if (onTimeout !== 'return' && onTimeout !== 'retry') throw new Error('onTimeout must be "return" or "retry"');
      const seed = driver === 'seed';
      return {
        file: 'hmm-v5.2-valid-flag.pml',
        defines: { ...hmmDefines(params), SEED: seed ? 1 : 0, RETRY: onTimeout === 'retry' ? 1 : 0 },
        ...(seed ? { panFlags: ['-E'] } : {}),
      };
    }
    default:
      return undefined;
  }
}

/**
 * The explore option `properties` under which interleave's state count is the one SPIN's equivalent
 * stores (undefined: check everything). The 5.2 model violates a property with either driver, and
 * a search that stops at the first violation stores an order-dependent number of states, so it is
 * compared on the whole state space: the documented driver checking deadlock only (it has none),
 * the seed driver checking only a `sometimes` property (no deadlock detection; the step failing
 * "lock discipline" is pruned, as its Promela guard never lets it run).
 */
export function comparableProperties(model: string, params: Record<string, unknown>): string[] | undefined {
  if (model !== 'hmm/v5.2-valid-flag') return undefined;
  return (params.driver ?? 'seed') === 'doc' ? ['deadlock'] : ['the device maps a page'];
}

function hmmDefines(params: Record<string, unknown>): Record<string, number> {
  const d = { D: num(params, 'drivers', 1), M: num(params, 'munmaps', 1), R: num(params, 'reclaims', 1), P: num(params, 'pages', 1) };
  if (d.D < 1 || d.P < 1) throw new Error('drivers and pages must be at least 1');
  return d;
}

/**
 * classic/two-phase-commit (TLA+ TwoPhase, Stateright 2pc) for `rms` resource managers: the
 * transaction manager and each resource manager are a loop of guarded d_steps, one per alternative
 * of the interleave model's `either` (TmRcvPrepared has one alternative per RM, so the text is
 * generated). Message set as booleans, states as bytes. 288 states for 3 RMs, 8,832 for 5.
 */
export function twoPhaseCommitPml(rms: number): string {
  if (rms < 1) throw new Error('rms must be at least 1');
  const rm = Array.from({ length: rms }, (_, i) => i);
  const allPrepared = rm.map((i) => `tmPrepared[${i}]`).join(' && ');
  return `/* classic/two-phase-commit with ${rms} resource managers, generated by bench/spin.ts (twoPhaseCommitPml). */
#define RMS ${rms}
#define WORKING 0
#define PREPARED 1
#define COMMITTED 2
#define ABORTED 3
#define INIT 0
byte rmState[RMS];
byte tmState;
bool tmPrepared[RMS];
bool msgPrepared[RMS];
bool msgCommit;
bool msgAbort;

active proctype tm() {
end_loop:
  if
${rm.map((i) => `  :: d_step { tmState == INIT && msgPrepared[${i}] -> tmPrepared[${i}] = 1 }; goto end_loop`).join('\n')}
  :: d_step { tmState == INIT && ${allPrepared} -> tmState = COMMITTED; msgCommit = 1 }; goto end_loop
  :: d_step { tmState == INIT -> tmState = ABORTED; msgAbort = 1 }; goto end_loop
  fi
}

/* resource manager rm is process _pid, rm = _pid - 1 */
active [RMS] proctype rm() {
end_loop:
  if
  :: d_step { rmState[_pid - 1] == WORKING -> rmState[_pid - 1] = PREPARED; msgPrepared[_pid - 1] = 1 }; goto end_loop
  :: d_step { rmState[_pid - 1] == WORKING -> rmState[_pid - 1] = ABORTED }; goto end_loop
  :: d_step { msgCommit -> rmState[_pid - 1] = COMMITTED }; goto end_loop
  :: d_step { msgAbort -> rmState[_pid - 1] = ABORTED }; goto end_loop
  fi
}
`;
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw new Error(`${cmd} failed to start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** pan prints large counts in C's %g style (1.2345e+07). */
const N = String.raw`(\d+(?:\.\d*)?(?:e[+-]?\d+)?)`;

function field(out: string, pattern: string, what: string): number {
  const m = new RegExp(pattern).exec(out);
  if (!m) throw new Error(`could not read "${what}" from pan's report:\n${out}`);
  return Number(m[1]);
}

/**
 * Parses pan's final report. `seconds` is pan's own elapsed time of the search (printed with 3
 * significant digits, so within 1% from 1 s on); below 0.1 s, where that is too coarse, it is the
 * wall time of the pan process (`wallSeconds`), which also counts pan's start-up (allocating and
 * clearing the hash table), so the rates of very small runs mean little. Counts are exact below
 * 10^8 (pan prints them with %9.8g).
 */
export function parsePan(out: string, wallSeconds: number, command: string): SpinResult {
  const errors = field(out, String.raw`errors:\s*${N}`, 'errors');
  if (errors > 0) throw new Error(`pan found ${errors} error(s); the Promela model is not equivalent:\n${out}`);
  if (/max search depth too small/.test(out)) throw new Error('pan: max search depth too small');
  const states = field(out, String.raw`${N} states, stored`, 'states, stored');
  const reported = field(out, String.raw`pan: elapsed time ${N} seconds`, 'elapsed time');
  const seconds = reported >= 0.1 ? reported : wallSeconds;
  const stateMiB = field(out, String.raw`${N}\s+actual memory usage for states`, 'actual memory usage for states');
  return {
    states,
    transitions: field(out, String.raw`${N} transitions \(= stored\+matched\)`, 'transitions'),
    depth: field(out, String.raw`depth reached ${N}`, 'depth reached'),
    seconds,
    statesPerSecond: seconds > 0 ? Math.round(states / seconds) : states,
    memoryMiB: field(out, String.raw`${N}\s+total actual memory usage`, 'total actual memory usage'),
    bytesPerState: Math.round(((stateMiB * 2 ** 20) / states) * 10) / 10,
    command,
  };
}

/** Runs SPIN (no reduction, same semantics) on the Promela equivalent of this interleave case; undefined when there is none. */
export function runSpin(model: string, params: Record<string, unknown>, options: SpinOptions = {}): SpinResult | undefined {
  const t = promelaFor(model, params);
  if (!t) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'interleave-spin-'));
  try {
    const pml = join(dir, 'model.pml');
    if (t.file !== undefined) copyFileSync(join(PROMELA, t.file), pml);
    else writeFileSync(pml, t.text ?? '');
    const spinArgs = ['-o2', ...Object.entries(t.defines).map(([k, v]) => `-D${k}=${v}`), '-a', 'model.pml'];
    run('spin', spinArgs, dir);
    const ccArgs = [options.optimise === false ? '-O0' : '-O2', '-w', '-DSAFETY', ...(options.reduction ? [] : ['-DNOREDUCE']), `-DMEMLIM=${options.memLimitMiB ?? 16384}`, '-o', 'pan', 'pan.c'];
    run('gcc', ccArgs, dir);
    let depth = options.maxDepth ?? 1_000_000;
    for (;;) {
      const panArgs = [`-m${depth}`, `-w${options.hashBits ?? 24}`, '-c1', ...(t.panFlags ?? [])];
      const command = `spin ${spinArgs.join(' ')} && gcc ${ccArgs.join(' ')} && ./pan ${panArgs.join(' ')}  # ${t.file ?? 'generated'}`;
      const started = process.hrtime.bigint();
      const out = run('./pan', panArgs, dir);
      const wall = Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1e3;
      if (/max search depth too small/.test(out) && depth < 64_000_000) {
        depth *= 2;
        continue;
      }
      return parsePan(out, wall, command);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
