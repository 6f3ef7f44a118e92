/**
 * The `interleave` process: a step that never returns is stopped and named, Ctrl-C and SIGTERM stop
 * a search with its partial statistics, and a normal run prints what the in-process CLI prints.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import type { Output } from './output.ts';

const BIN = fileURLToPath(new URL('../../bin/interleave.js', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../testing/fixtures/${name}.ts`, import.meta.url));

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the CLI as a process; `signal` is sent after `afterMs`, or with `when`, at the first time after that when `when()` holds. */
function interleave(args: readonly string[], send?: { signal: NodeJS.Signals; afterMs: number; when?: () => boolean }): Promise<Exit> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let timer: NodeJS.Timeout | undefined;
  const poll = (): void => {
    if (send!.when === undefined || send!.when()) child.kill(send!.signal);
    else timer = setTimeout(poll, 20);
  };
  if (send) timer = setTimeout(poll, send.afterMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Elapsed times and rates differ from run to run. */
const timeless = (text: string): string => text.replace(/[\d.]+ s \([\d,]+ states\/s\)/g, 'T s (R states/s)');

describe('interleave check: watchdog and signals', () => {
  it('a counterexample found on the search thread replays here, though routines were numbered there in another order', async () => {
    const r = await interleave(['check', 'hmm/v5.2-valid-flag']);
    expect(r.stderr).not.toContain('model error');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('"lock discipline" (assertion) is violated');
    expect(r.stdout).toContain('Replay path: 0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/2/2/0/0/0/0/0/0/0/0');
  }, 30_000);

  it('a step that never returns is stopped, named with its actor and the replay path of its state, exit 2', async () => {
    const r = await interleave(['check', fixture('step-loops'), '--step-timeout', '0.5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('model error: model fixtures/step-loops, actor spinner, step "wait for x", replay path 0/0: the step did not return within 0.5 s');
    expect(r.stderr).toContain('`npx interleave replay');
    expect(r.stderr).toContain('hint: look for a loop in this step that never ends');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.ms).toBeLessThan(8000);
  }, 15_000);

  it('Ctrl-C (SIGINT) prints the partial statistics and exits 130', async () => {
    const r = await interleave(['check', 'classic/peterson', '-p', 'n=5', '--no-por', '--property', 'deadlock'], { signal: 'SIGINT', afterMs: 2500 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted \(SIGINT\) after [1-9][\d,]* states, [1-9][\d,]* transitions, \d+\.\d\d s; the search did not finish/);
    expect(r.stdout).toBe('');
  }, 15_000);

  it('SIGTERM stops the search the same way, exit 143', async () => {
    const r = await interleave(['check', 'classic/peterson', '-p', 'n=5', '--no-por', '--property', 'deadlock', '--json'], { signal: 'SIGTERM', afterMs: 2500 });
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/interrupted \(SIGTERM\) after [1-9][\d,]* states/);
  }, 15_000);

  it.each([
    [['classic/peterson']],
    [['classic/lost-update', '-p', 'n=2']],
    [['classic/lost-update', '-p', 'n=2', '--json']],
  ])('%o: the process prints what the CLI prints when it searches on its own thread', async (args) => {
    const stdout: string[] = [];
    const out: Output = { stdout: (t) => stdout.push(t), stderr: () => {}, status: () => {}, stderrIsTTY: false, color: false };
    const code = await runCli(['check', ...args], out);
    const r = await interleave(['check', ...args]);
    expect(r.code).toBe(code);
    const json = args.includes('--json');
    const mask = (s: string): string => (json ? JSON.stringify({ ...JSON.parse(s), stats: undefined }) : timeless(s));
    expect(mask(r.stdout.replace(/\n$/, ''))).toBe(mask(stdout.join('\n')));
  }, 20_000);

  it('--step-timeout must be a non-negative number of seconds', async () => {
    const stderr: string[] = [];
    const out: Output = { stdout: () => {}, stderr: (t) => stderr.push(t), status: () => {}, stderrIsTTY: false, color: false };
    expect(await runCli(['check', fixture('passing'), '--step-timeout', '-1'], out)).toBe(2);
    expect(stderr.join('\n')).toContain('--step-timeout must be a number of seconds (0 turns the watchdog off), got -1');
  });

  describe('checkpoints', () => {
    const PETERSON = ['check', 'classic/peterson', '-p', 'n=4', '--property', 'mutual exclusion', '--property', 'deadlock', '--json'];
    const counts = (r: Exit): unknown => {
      const j = JSON.parse(r.stdout) as { verdict: string; stats: { states: number; transitions: number; depth: number } };
      return { verdict: j.verdict, states: j.stats.states, transitions: j.stats.transitions, depth: j.stats.depth };
    };

    it('a run killed with SIGKILL after a checkpoint and resumed ends with the counts of an uninterrupted run', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'interleave-checkpoint-'));
      try {
        const whole = await interleave(PETERSON);
        expect(whole.code).toBe(0);
        const file = join(dir, 'search.checkpoint');
        const killed = await interleave([...PETERSON, '--checkpoint', dir, '--checkpoint-every', '0.002'], { signal: 'SIGKILL', afterMs: 0, when: () => existsSync(file) });
        expect(killed.signal).toBe('SIGKILL');
        expect(killed.stdout).toBe('');
        const resumed = await interleave([...PETERSON, '--resume', dir]);
        expect(resumed.code).toBe(0);
        const from = /resuming from .*: ([\d,]+) states/.exec(resumed.stderr);
        expect(from).not.toBeNull();
        const states = Number(from![1]!.replace(/,/g, ''));
        expect(states).toBeGreaterThan(0);
        expect(states).toBeLessThan(1_119_560);
        expect(counts(resumed)).toEqual(counts(whole));
        expect(counts(resumed)).toEqual({ verdict: 'pass', states: 1_119_560, transitions: 3_864_896, depth: 103 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);

    it('Ctrl-C writes a checkpoint before stopping, and says how to resume', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'interleave-checkpoint-'));
      try {
        // Once the first checkpoint is there, the search is running: the signal asks for another.
        const r = await interleave([...PETERSON, '--checkpoint', dir, '--checkpoint-every', '0.002'], { signal: 'SIGINT', afterMs: 0, when: () => existsSync(join(dir, 'search.checkpoint')) });
        expect(r.code).toBe(130);
        expect(r.stderr).toContain(`writing a checkpoint to ${dir} before stopping`);
        expect(r.stderr).toMatch(new RegExp(`the checkpoint in ${dir} holds [1-9][\\d,]* states: continue with --resume ${dir}`));
        expect(existsSync(join(dir, 'search.checkpoint'))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  });
});
