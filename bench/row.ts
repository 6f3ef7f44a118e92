/**
 * One measured search of the benchmark (bench/run.ts), in a process of its own: a search's speed
 * depends on what the process ran before it (V8 compiles the loop for the models it has seen, and
 * a loop that has seen several becomes slower for all), and SPIN too runs each model in a fresh
 * process. Usage: `node bin/run-ts.js bench/row.ts MODEL PARAMS-JSON PROPERTIES-JSON|- compact(0|1) compiled|reference`.
 * Prints one JSON line: the verdict, the stats, the peak memory of the JS heap plus typed arrays
 * (sampled 4 times a second and at the end) and the CPU time of the search alone (loading the model excluded).
 */
import { compileModel, explore, type Params } from '../src/index.ts';
import { catalog } from '../models/index.ts';

const [name, paramsJson, propertiesJson, compact, engine] = process.argv.slice(2) as [string, string, string, string, 'compiled' | 'reference'];
const definition = catalog.find((m) => m.name === name);
if (!definition) throw new Error(`no model ${name}`);
const params = JSON.parse(paramsJson) as Params;
const properties = propertiesJson === '-' ? undefined : (JSON.parse(propertiesJson) as string[]);
const model = compileModel(definition, params);
/** The JS heap and the typed arrays' backing stores (the visited set and the queue live there). */
const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
(globalThis as { gc?: () => void }).gc?.();
const cpu0 = process.cpuUsage();
let peak = used();
const result = explore(model, {
  compactFrontier: compact === '1',
  engine,
  ...(properties ? { properties } : {}),
  progressIntervalMs: 250,
  onProgress: () => {
    peak = Math.max(peak, used());
  },
});
const c = process.cpuUsage(cpu0);
peak = Math.max(peak, used());
console.log(JSON.stringify({ verdict: result.verdict, stats: result.stats, peakHeapMiB: Math.round(peak / 2 ** 20), cpuSeconds: (c.user + c.system) / 1e6 }));
