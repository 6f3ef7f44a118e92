import type { ProgressReport } from '../explorer/result.ts';
import type { Output } from './output.ts';

/** A one-line progress display on stderr, refreshed by the explorer's progress callback (about once a second). */
export function progressPrinter(out: Output): { update: (p: ProgressReport) => void; done: () => void } {
  let shown = false;
  const n = (x: number): string => x.toLocaleString('en-US');
  return {
    update(p) {
      shown = true;
      const mem = Math.round(process.memoryUsage().rss / 2 ** 20);
      out.status(
        `${n(p.states)} states  ${n(p.statesPerSecond)} states/s  queue ${n(p.queued)}  depth ${p.depth}  ${(p.elapsedMs / 1000).toFixed(0)} s  ${n(mem)} MiB`,
      );
    },
    done() {
      if (shown) out.status('');
    },
  };
}
