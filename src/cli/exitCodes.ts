import type { Verdict } from '../core/model.ts';

/** Stable exit codes: 0 pass, 1 violation or deadlock, 2 usage or model error, 3 incomplete. */
export const EXIT = { pass: 0, failed: 1, usage: 2, incomplete: 3 } as const;

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
