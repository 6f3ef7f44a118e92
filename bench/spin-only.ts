/**
 * SPIN's numbers for every benchmark case that has a Promela equivalent, without running interleave:
 * `node bin/run-ts.js bench/spin-only.ts [--quick] [--por]`. `--por` adds a run with SPIN's
 * partial-order reduction for each case. A state count that differs from interleave's known count
 * (bench/spinCases.ts) is flagged. Nothing is written; `npm run bench` records the side-by-side
 * numbers.
 */
import { runSpin, spinUnavailable, type SpinResult } from './spin.ts';
import { SPIN_CASES } from './spinCases.ts';

const quick = process.argv.includes('--quick');
const por = process.argv.includes('--por');
const why = spinUnavailable();
if (why !== undefined) {
  console.log(why);
} else {
  const show = (label: string, r: SpinResult) =>
    console.log(
      `${label.padEnd(84)} ${String(r.states).padStart(10)} states ${String(r.transitions).padStart(11)} transitions ${r.seconds.toFixed(2).padStart(7)} s ${String(r.statesPerSecond).padStart(9)} states/s ${r.bytesPerState.toFixed(1).padStart(6)} B/state ${r.memoryMiB.toFixed(0).padStart(6)} MiB`,
    );
  for (const c of SPIN_CASES) {
    if (quick && c.slow) continue;
    const name = `${c.model} ${JSON.stringify(c.params)}`;
    const r = runSpin(c.model, c.params);
    if (!r) {
      console.log(`${name.padEnd(84)} no Promela equivalent`);
      continue;
    }
    show(name, r);
    if (c.interleave && c.interleave.states !== r.states) console.log(`  differs from interleave's ${c.interleave.states} states`);
    if (por) show(`${name} (SPIN partial-order reduction)`, runSpin(c.model, c.params, { reduction: true })!);
  }
}
