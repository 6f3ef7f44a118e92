import { getHeapStatistics } from 'node:v8';
import type { ExploreOptions } from '../explorer/options.ts';
import type { ProgressReport } from '../explorer/result.ts';
import type { Output } from './output.ts';

/** A one-line progress display on stderr, refreshed by the explorer's progress callback (about once a second). */
export function progressPrinter(out: Output): { update: (p: ProgressReport) => void; done: () => void } {
  let shown = false;
  const n = (x: number): string => x.toLocaleString('en-US');
  return {
    update(p) {
      shown = true;
      const mem = p.memoryMiB ?? Math.round(process.memoryUsage().rss / 2 ** 20);
      // A parallel search's coordinator sees the shared table only: no queue or depth to show.
      const where = p.workers !== undefined ? `${p.workers} workers` : `queue ${n(p.queued)}  depth ${p.depth}`;
      out.status(`${n(p.states)} states  ${n(p.statesPerSecond)} states/s  ${where}  ${(p.elapsedMs / 1000).toFixed(0)} s  ${n(mem)} MiB`);
    },
    done() {
      if (shown) out.status('');
    },
  };
}

/** Share of the JS heap limit past which a run stops as `incomplete` rather than dying out of memory. */
const HEAP_HEADROOM = 0.85;

/**
 * The explorer's memory probe and budget for the CLI: resident memory (RSS) against `--max-memory`
 * when given; and in any case the run stops (budget maxMemory) when the JS heap nears Node's heap
 * limit, so a long run ends with stats instead of an out-of-memory crash.
 */
export function memoryGuard(maxMemoryMiB: number | undefined): Pick<ExploreOptions, 'memoryProbe' | 'maxMemoryMiB'> {
  const heapLimit = getHeapStatistics().heap_size_limit * HEAP_HEADROOM;
  const budget = maxMemoryMiB ?? Number.MAX_SAFE_INTEGER / 2 ** 20;
  return {
    maxMemoryMiB: budget,
    memoryProbe: () => {
      const m = process.memoryUsage();
      return m.heapUsed > heapLimit ? Number.POSITIVE_INFINITY : m.rss;
    },
  };
}
