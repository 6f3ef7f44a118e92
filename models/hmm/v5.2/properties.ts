/** The properties every 5.2 HMM model checks (hmm.md, "Properties the suite checks"). */
import { sometimes, type Property } from '../../../src/index.ts';
import { exactlyOnce } from '../../../properties/exactlyOnce.ts';
import { noLockHeldAtExit } from '../../../properties/lockDiscipline.ts';
import { noStaleMapping } from '../../../properties/noStaleMapping.ts';
import type { Shared } from './state.ts';

export const UNREGISTER_ONCE = 'unregister exactly once';

export function hmmProperties(): Property<Shared>[] {
  return [
    noStaleMapping<Shared>((g) =>
      g.device.pte.map((device, page) => ({ page, device, cpu: g.mm.pte[page] ?? null, invalidating: g.ghost.unsynced[page]! > 0 })),
    ),
    ...exactlyOnce<Shared>({
      name: UNREGISTER_ONCE,
      calls: ['hmm_range_register', 'hmm_range_unregister'],
      counts: (g) => g.ghost.registered.map((opened, r) => ({ id: `range${r}`, opened, closed: g.ghost.unregisterCalls[r]! })),
    }),
    noLockHeldAtExit<Shared>(),
    sometimes<Shared>('the device maps a page', (g) => g.device.pte.some((pfn) => pfn !== null)),
  ];
}
