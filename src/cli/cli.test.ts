import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import type { Output } from './output.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: readonly string[];
}

async function cli(...argv: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status: string[] = [];
  const out: Output = {
    stdout: (t) => stdout.push(t),
    stderr: (t) => stderr.push(t),
    status: (t) => status.push(t),
    stderrIsTTY: false,
    color: false,
  };
  const code = await runCli(argv, out);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), status };
}

/** Runs the CLI and parses its stdout as one JSON object. */
async function cliJson(...argv: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const r = await cli(...argv);
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}): ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { code: r.code, json, stderr: r.stderr };
}

const fixture = (name: string): string => fileURLToPath(new URL(`../testing/fixtures/${name}.ts`, import.meta.url));

/** A usage or model error: exit 2, nothing on stdout, a one-paragraph message on stderr, no stack trace. */
function expectCleanError(r: Run, ...fragments: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^interleave: /);
  for (const f of fragments) expect(r.stderr).toContain(f);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stderr).not.toContain('internal error');
}

describe('interleave list', () => {
  it('--json gives an array of { name, description, expected } including classic/two-phase-commit', async () => {
    const { code, json } = await cliJson('list', '--json');
    expect(code).toBe(0);
    expect(Array.isArray(json)).toBe(true);
    for (const row of json) {
      expect(typeof row.name).toBe('string');
      expect(typeof row.description).toBe('string');
      expect(['pass', 'violation', 'deadlock']).toContain(row.expected.verdict);
    }
    const tpc = json.find((r: { name: string }) => r.name === 'classic/two-phase-commit');
    expect(tpc).toEqual({
      name: 'classic/two-phase-commit',
      description: 'Two-phase commit (TLA+ TwoPhase / Stateright 2pc) with `rms` resource managers',
      expected: { verdict: 'pass' },
    });
  });

  it('prints one line per model in text mode', async () => {
    const json = (await cliJson('list', '--json')).json as { name: string }[];
    const r = await cli('list');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(json.length);
    expect(lines.some((l) => l.startsWith('classic/two-phase-commit ') && l.includes('pass'))).toBe(true);
  });
});

describe('interleave check', () => {
  it('classic/two-phase-commit passes with 288 states', async () => {
    const { code, json } = await cliJson('check', 'classic/two-phase-commit', '--no-symmetry', '--json');
    expect(code).toBe(0);
    expect(json).toMatchObject({
      model: 'classic/two-phase-commit',
      verdict: 'pass',
      expected: { verdict: 'pass' },
      params: { rms: 3 },
      stats: { states: 288 },
    });
    expect(json.trace).toBeUndefined();
  });

  it('-p rms=5 gives 8832 states with --no-symmetry', async () => {
    const { code, json } = await cliJson('check', 'classic/two-phase-commit', '-p', 'rms=5', '--no-symmetry', '--json');
    expect(code).toBe(0);
    expect(json).toMatchObject({ verdict: 'pass', params: { rms: 5 }, stats: { states: 8832 } });
    expect(json.stats.reduction).toMatchObject({ symmetry: false });
  });

  it('reductions are on by default: 2pc with 5 RMs stores 314 states (one per class), 665 with --representative sorted --strategy dfs', async () => {
    const canonical = await cliJson('check', 'classic/two-phase-commit', '-p', 'rms=5', '--json');
    expect(canonical.code).toBe(0);
    expect(canonical.json.stats).toMatchObject({ states: 314, reduction: { symmetry: 'canonical', por: false, porOff: 'no step declares a footprint' } });
    const sorted = await cliJson('check', 'classic/two-phase-commit', '-p', 'rms=5', '--representative', 'sorted', '--strategy', 'dfs', '--json');
    expect(sorted.json.stats).toMatchObject({ states: 665, reduction: { symmetry: 'sorted' } });
    const text = await cli('check', 'classic/two-phase-commit', '-p', 'rms=5');
    expect(text.stdout).toContain('314 states');
    expect(text.stdout).toContain('Reduced: partial-order reduction off: no step declares a footprint');
    expect(text.stdout).toContain('symmetry reduction (canonical representatives)');
  });

  it('with liveness properties and reductions on, the report says liveness ran unreduced', async () => {
    const { json } = await cliJson('check', 'classic/peterson', '-p', 'n=2', '--json');
    expect(json).toMatchObject({ verdict: 'pass', liveness: { unreduced: true } });
    const text = await cli('check', 'classic/peterson', '-p', 'n=2');
    expect(text.stdout).toContain('liveness ran unreduced, on the full state graph');
    const off = await cliJson('check', 'classic/peterson', '-p', 'n=2', '--no-por', '--no-symmetry', '--json');
    expect(off.json.liveness.unreduced).toBeUndefined();
    expect(off.json.stats.reduction).toBeUndefined();
  });

  it('--max-states 10 exits 3 with verdict incomplete', async () => {
    const { code, json } = await cliJson('check', 'classic/two-phase-commit', '--max-states', '10', '--json');
    expect(code).toBe(3);
    expect(json).toMatchObject({ verdict: 'incomplete', budget: 'maxStates', stats: { states: 10 } });
  });

  it('--max-depth 2 exits 3 with budget maxDepth', async () => {
    const { code, json } = await cliJson('check', fixture('passing'), '--max-depth', '2', '--json');
    expect(code).toBe(3);
    expect(json).toMatchObject({ verdict: 'incomplete', budget: 'maxDepth', stats: { states: 6 } });
  });

  it('loads a model file (default export) and checks it: 9 states', async () => {
    const { code, json } = await cliJson('check', fixture('passing'), '--json');
    expect(code).toBe(0);
    expect(json).toMatchObject({ model: 'fixtures/passing', verdict: 'pass', stats: { states: 9, transitions: 12, depth: 4 } });
  });

  it('accepts a model file path relative to the working directory', async () => {
    const { code, json } = await cliJson('check', 'src/testing/fixtures/passing.ts', '--strategy', 'dfs', '--json');
    expect(code).toBe(0);
    expect(json.stats.states).toBe(9);
  });

  it('a violating model file exits 1 with a trace in the JSON', async () => {
    const { code, json } = await cliJson('check', fixture('violating'), '--json');
    expect(code).toBe(1);
    expect(json).toMatchObject({
      model: 'fixtures/violating',
      verdict: 'violation',
      property: 'not both',
      message: 'x and a.t are both 1',
      expected: { verdict: 'violation', property: 'not both' },
    });
    expect(json.trace.path).toBe('0/1');
    expect(json.trace.steps).toEqual([
      {
        actor: 'P',
        routine: 'p',
        label: 'set x',
        changes: [
          { path: 'x', from: 0, to: 1 },
          { path: 'P.n', from: 0, to: 5 },
        ],
      },
      { actor: 'Q', routine: 'q', label: 'set a.t', changes: [{ path: 'a.t', from: 0, to: 1 }] },
    ]);
  });

  it('a violating model in text mode shows the verdict, the steps and the replay command', async () => {
    const spec = fixture('violating');
    const r = await cli('check', spec);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('VIOLATION');
    expect(r.stdout).toContain('"not both"');
    expect(r.stdout).toContain('set a.t');
    expect(r.stdout).toContain('a.t: 0 → 1');
    expect(r.stdout).toContain(`npx interleave replay ${spec} 0/1`);
    expect(r.status).toEqual([]);
  });

  it('a deadlocking model file exits 1 and lists the blocked actors', async () => {
    const { code, json } = await cliJson('check', fixture('deadlock'), '--json');
    expect(code).toBe(1);
    expect(json).toMatchObject({
      model: 'fixtures/deadlock',
      verdict: 'deadlock',
      property: 'deadlock',
      message: 'no step is enabled, but T1, T2 have not finished; wait-for cycle: T1 → T2 → T1',
      blocked: [
        { actor: 'T1', step: 'mutex_lock(&b)', waitsFor: 'mutex b, held by T2' },
        { actor: 'T2', step: 'mutex_lock(&a)', waitsFor: 'mutex a, held by T1' },
      ],
    });
    expect(json.trace.path).toBe('0/1');
    expect(json.trace.steps.map((s: { actor: string; label: string }) => `${s.actor} ${s.label}`)).toEqual([
      'T1 mutex_lock(&a)',
      'T2 mutex_lock(&b)',
    ]);
    expect(json.trace.steps[0].changes).toEqual([{ path: 'a.owner', from: null, to: 0 }]);
  });

  it('--property restricts the check to the named properties', async () => {
    const { code, json } = await cliJson('check', fixture('violating'), '--property', 'deadlock', '--json');
    expect(code).toBe(0);
    expect(json).toMatchObject({ verdict: 'pass', stats: { states: 9 } });
  });
});

describe('interleave replay', () => {
  it('rebuilds the same steps as check and exits 1', async () => {
    const checked = await cliJson('check', fixture('violating'), '--json');
    const replayed = await cliJson('replay', fixture('violating'), checked.json.trace.path, '--json');
    expect(replayed.code).toBe(1);
    expect(replayed.json).toMatchObject({ model: 'fixtures/violating', verdict: 'violation', property: 'not both' });
    expect(replayed.json.trace.path).toBe('0/1');
    expect(replayed.json.trace.steps).toEqual(checked.json.trace.steps);
  });

  it('in text mode names the violated property of the final state', async () => {
    const r = await cli('replay', fixture('violating'), '0/1');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Replay path: 0/1');
    expect(r.stdout).toContain('The final state: violation of "not both": x and a.t are both 1');
  });

  it('a path to a harmless state exits 0; "-" is the initial state', async () => {
    const r = await cli('replay', fixture('violating'), '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('The final state violates no property.');
    const initial = await cliJson('replay', fixture('violating'), '-', '--json');
    expect(initial.code).toBe(0);
    expect(initial.json).toMatchObject({ verdict: 'pass', trace: { path: '', steps: [] } });
  });

  it('replaying a deadlock path exits 1 with verdict deadlock', async () => {
    const r = await cliJson('replay', fixture('deadlock'), '0/1', '--json');
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ verdict: 'deadlock', property: 'deadlock', message: 'no step is enabled, but T1, T2 have not finished; wait-for cycle: T1 → T2 → T1' });
  });

  it('a path entry out of range is a model error naming the enabled steps', async () => {
    expectCleanError(await cli('replay', fixture('violating'), '0/9'), 'replay path entry 2 is 9, but only 2 steps are enabled there');
  });
});

describe('bad input exits 2 with a clear message and no stack trace', () => {
  it('a missing model file', async () => {
    expectCleanError(await cli('check', '/nonexistent/dir/model.ts'), 'model file not found: /nonexistent/dir/model.ts');
  });

  it('a file without a model export', async () => {
    const r = await cli('check', fixture('no-model'));
    expectCleanError(r, 'no-model.ts exports no model (exports: ', 'helper', 'notAModel', 'defineModel');
  });

  it('a file exporting the wrong shape', async () => {
    expectCleanError(await cli('check', fixture('wrong-shape')), 'exports an object with build() that was not made by defineModel()');
  });

  it('a file that throws while being imported', async () => {
    expectCleanError(await cli('check', fixture('import-throws')), 'could not load', 'import-time failure in fixture');
  });

  it('a model whose step throws names the actor, the step and the replay path', async () => {
    const r = await cli('check', fixture('step-throws'));
    expectCleanError(r, 'model error', 'actor worker', 'step "explode"', 'replay path 0', 'disk on fire');
  });

  it('a step that returns a value', async () => {
    expectCleanError(
      await cli('check', fixture('step-returns'), '--json'),
      'actor setter',
      'step "x = 1"',
      'the step returned a value (1)',
    );
  });

  it('non-plain initial state', async () => {
    expectCleanError(await cli('check', fixture('non-plain')), 'initial shared state is not plain data: shared.seen: a Set');
  });

  it('a step that stores non-plain data', async () => {
    // (The actor and step are not named here: see the FIXME in src/explorer/explore.test.ts.)
    expectCleanError(await cli('check', fixture('stores-map')), 'model fixtures/stores-map', 'non-plain data: shared.cache: a Map', 'plain data');
  });

  it('an unknown model name', async () => {
    expectCleanError(await cli('check', 'classic/no-such-model'), 'no model named "classic/no-such-model"', 'interleave list');
  });

  it('a close model name gets a suggestion', async () => {
    expectCleanError(await cli('check', 'two-phase'), 'did you mean classic/two-phase-commit?');
  });

  it('an unknown option', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '--frobnicate'), 'Unknown argument: frobnicate');
  });

  it('a bad --strategy', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '--strategy', 'sideways'), 'strategy', 'sideways', 'bfs', 'dfs');
  });

  it('a negative --max-states', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '--max-states', '-1'), '--max-states must be a positive number, got -1');
    expectCleanError(await cli('check', 'classic/two-phase-commit', '--max-states=-5'), '--max-states must be a positive number, got -5');
  });

  it('a non-numeric --max-depth', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '--max-depth', 'deep'), '--max-depth must be a positive number');
  });

  it('a malformed replay path', async () => {
    expectCleanError(await cli('replay', 'classic/two-phase-commit', 'a/b'), 'replay path must look like 0/2/1/4, got "a/b"');
  });

  it('an unknown --param key', async () => {
    expectCleanError(
      await cli('check', 'classic/two-phase-commit', '-p', 'nope=1'),
      'unknown parameter "nope"',
      'this model takes: rms',
    );
  });

  it('a --param value of the wrong type', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '-p', 'rms=many'), 'parameter "rms" must be a non-negative integer, got many');
  });

  it('an empty --param value', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '-p', 'rms=', '--json'), 'rms');
  });

  it('a --param without =', async () => {
    expectCleanError(await cli('check', 'classic/two-phase-commit', '-p', 'rms'), '--param expects key=value, got "rms"');
  });

  it('an unknown --property', async () => {
    expectCleanError(await cli('check', fixture('violating'), '--property', 'nope'), 'has no property "nope"');
  });

  it('explore on a non-loopback host', async () => {
    expectCleanError(await cli('explore', fixture('violating'), '--host', '0.0.0.0'), '--host must be a loopback address');
  });
  it('explore on a bad port', async () => {
    expectCleanError(await cli('explore', fixture('violating'), '--port', '70000'), '--port must be an integer from 0 to 65535');
  });
  it('no command', async () => {
    expectCleanError(await cli(), 'name a command');
  });

  it('an unknown command', async () => {
    expectCleanError(await cli('frobnicate'), 'frobnicate');
  });
});

describe('readable counterexamples', () => {
  it('prints swimlanes: one column per actor, the context-switch count, the violating state', async () => {
    const r = await cli('check', fixture('violating'), '--width', '100');
    expect(r.code).toBe(1);
    const header = r.stdout.split('\n').find((l) => l.includes('P ') && l.trimEnd().endsWith('Q'));
    expect(header).toBeDefined();
    expect(r.stdout).toContain('Context switches: 1');
    expect(r.stdout).toContain('Violating state');
    for (const l of r.stdout.split('\n')) expect(l.length).toBeLessThanOrEqual(100);
  });
  it('--trace=full shows every field after each step', async () => {
    const r = await cli('check', fixture('violating'), '--trace', 'full');
    expect(r.stdout).toContain('a.u=0');
    expect(r.stdout).toContain('P in p, next: p done {n=5}');
  });
  it('--no-minimise keeps the search order; the default reorders to fewer switches', async () => {
    const a = await cliJson('check', 'hmm/v5.2-valid-flag', '-p', 'driver=doc', '--json');
    const b = await cliJson('check', 'hmm/v5.2-valid-flag', '-p', 'driver=doc', '--no-minimise', '--json');
    expect(a.json.trace.contextSwitches).toEqual({ found: 4, shown: 2 });
    expect(b.json.trace.contextSwitches).toEqual({ found: 4, shown: 4 });
    expect(a.json.trace.path).not.toBe(b.json.trace.path);
  });
  it('--preemption-bound finds a counterexample with the fewest preemptions', async () => {
    const r = await cli('check', 'hmm/v5.2-valid-flag', '--preemption-bound', '2');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Found by the preemption-bounded search: 1 preemption (bound 2');
  });
  it('--preemption-bound falls back to the full search when nothing is found within it', async () => {
    const r = await cli('check', fixture('passing'), '--preemption-bound', '0');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no counterexample within 0 preemptions');
  });
  it('a bad --preemption-bound exits 2', async () => {
    expectCleanError(await cli('check', fixture('violating'), '--preemption-bound', '-1'), '--preemption-bound must be a non-negative integer');
  });
  it('--html without a file writes reports/<model>.html', async () => {
    const r = await cli('check', fixture('violating'), '--html');
    expect(r.stderr).toMatch(/HTML report: .*reports\/fixtures-violating\.html$/);
  });
  it('replay --from reads a saved JSON report back, and rejects one that no longer matches', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'interleave-replay-'));
    const checked = await cli('check', 'hmm/v5.2-valid-flag', '-p', 'driver=doc', '--json');
    const file = join(dir, 'trace.json');
    writeFileSync(file, checked.stdout);
    const replayed = await cliJson('replay', '--from', file, '--json');
    expect(replayed.code).toBe(1);
    expect(replayed.json).toMatchObject({ verdict: 'violation', property: 'no stale device mapping', params: { driver: 'doc' } });
    expect(replayed.json.trace.steps).toEqual(JSON.parse(checked.stdout).trace.steps);
    const edited = JSON.parse(checked.stdout);
    edited.trace.steps[3].label = 'something else';
    writeFileSync(file, JSON.stringify(edited));
    expectCleanError(await cli('replay', '--from', file), 'the saved trace does not match the model: step 4');
    writeFileSync(file, '{ not json');
    expectCleanError(await cli('replay', '--from', file), 'is not JSON');
    expectCleanError(await cli('replay', '--from', join(dir, 'missing.json')), 'cannot read');
    expectCleanError(await cli('replay'), 'replay needs <model> <path>, or --from trace.json');
  });
  it('the JSON report uses only keys the schema documents', async () => {
    const { readFileSync } = await import('node:fs');
    const schema = JSON.parse(readFileSync(new URL('../../docs/trace.schema.json', import.meta.url), 'utf8'));
    const { json } = await cliJson('check', fixture('deadlock'), '--json');
    for (const k of Object.keys(json)) expect(Object.keys(schema.properties)).toContain(k);
    for (const k of Object.keys(json.trace)) expect(Object.keys(schema.properties.trace.properties)).toContain(k);
    for (const k of schema.required) expect(json).toHaveProperty(k);
  });
});
