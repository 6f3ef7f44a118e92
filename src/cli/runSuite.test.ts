import { describe, expect, it } from 'vitest';
import { defineModel } from '../core/model.ts';
import passing from '../testing/fixtures/passing.ts';
import { model as violating } from '../testing/fixtures/violating.ts';
import { runCli } from './cli.ts';
import type { Output } from './output.ts';
import { runSuite } from './runSuite.ts';

function capture(): { out: Output; lines: string[] } {
  const lines: string[] = [];
  return { lines, out: { stdout: (t) => lines.push(t), stderr: (t) => lines.push(t), status: () => {}, stderrIsTTY: false, color: false } };
}

describe('suite', () => {
  it('prints a row per model and exits 0 when every model agrees', async () => {
    const { out, lines } = capture();
    const code = await runCli(['suite', 'classic/lo'], out);
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/classic\/lock-order-deadlock\s+deadlock\s+deadlock\s+7\s+[\d.]+ s\s+✓/);
    expect(text).toMatch(/classic\/lost-update\s+violation \(no lost update\)\s+violation \(no lost update\)\s+12/);
    expect(text).toContain('2 of 2 models agree with their expected verdicts');
  });

  it('a model whose result differs from its expectation fails the suite (exit 1) and is named', () => {
    const wrong = defineModel({ ...passing, name: 'fixtures/wrong', expected: { verdict: 'deadlock' } });
    const { out, lines } = capture();
    expect(runSuite({ models: [passing, wrong], json: false, options: {} }, out)).toBe(1);
    expect(lines.join('\n')).toContain('fixtures/wrong: expected deadlock, got pass');
  });

  it('the same property must fail, not just any', () => {
    const other = defineModel({ ...violating, name: 'fixtures/other', expected: { verdict: 'violation', property: 'something else' } });
    const { out } = capture();
    expect(runSuite({ models: [other], json: false, options: {} }, out)).toBe(1);
  });

  it('--json gives the rows as data; check --all is the same command', async () => {
    const { out, lines } = capture();
    expect(await runCli(['suite', 'classic/lost', '--json'], out)).toBe(0);
    const json = JSON.parse(lines.join(''));
    expect(json).toMatchObject({
      agrees: true,
      models: [{ model: 'classic/lost-update', expected: { verdict: 'violation', property: 'no lost update' }, actual: { verdict: 'violation', property: 'no lost update' }, agrees: true, stats: { states: 12 } }],
    });
    const c = capture();
    expect(await runCli(['check', '--all', 'classic/peterson'], c.out)).toBe(2);
    expect(c.lines.join('\n')).toContain('give either a model or --all');
  });

  it('a budget that stops a model short exits 3', () => {
    const { out } = capture();
    expect(runSuite({ models: [passing], json: false, options: { maxStates: 2 } }, out)).toBe(3);
  });
});
