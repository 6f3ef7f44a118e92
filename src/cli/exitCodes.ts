import type { Verdict } from '../core/model.ts';

/**
 * Stable exit codes: 0 pass, 1 violation or deadlock, 2 usage or model error (a step stopped by the
 * watchdog included), 3 incomplete; a search stopped by Ctrl-C (SIGINT) exits 130, by SIGTERM 143
 * (128 + the signal's number, as shells report a process killed by it).
 */
export const EXIT = { pass: 0, failed: 1, usage: 2, incomplete: 3, interrupted: 130, terminated: 143 } as const;

export function exitCodeFor(verdict: Verdict): number {
  switch (verdict) {
    case 'pass':
      return EXIT.pass;
    case 'violation':
    case 'deadlock':
      return EXIT.failed;
    case 'incomplete':
      return EXIT.incomplete;
    default: {
      const never: never = verdict;
      return never;
    }
  }
}
