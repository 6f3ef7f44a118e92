/** What the two nouveau fault-path models share: actors and properties, by version. */
import { sometimes, type ModelSpec, type Property } from '../../../src/index.ts';
import { exactlyOnce } from '../../../properties/exactlyOnce.ts';
import { noLockHeldAtExit } from '../../../properties/lockDiscipline.ts';
import { cpuThreads } from '../v5.2/cpu.ts';
import { UNREGISTER_ONCE } from '../v5.2/properties.ts';
import { nouveauSvmFault, type NouveauVersion } from './nouveauFault.ts';
import { hmm_invalidate_range_end, hmm_invalidate_range_start } from './nouveauHmm.ts';
import { initialNouveau, type NouveauShared } from './nouveauState.ts';

const { munmap, reclaim } = cpuThreads<NouveauShared>(hmm_invalidate_range_start, hmm_invalidate_range_end);

export interface NouveauParams {
  readonly munmaps: number;
  readonly reclaims: number;
  readonly pages: number;
  /** Also check "unregister exactly once" and the on-stack range's lifetime (off by default: see the model files). */
  readonly unregister: boolean;
  [key: string]: number | boolean;
}

export const nouveauDefaults: NouveauParams = { munmaps: 1, reclaims: 1, pages: 1, unregister: false };

export function buildNouveau(version: NouveauVersion, { munmaps, reclaims, pages, unregister }: NouveauParams): ModelSpec<NouveauShared> {
  const name = (base: string, n: number, i: number) => (n === 1 ? base : `${base}${i}`);
  const properties: Property<NouveauShared>[] = [
    noLockHeldAtExit<NouveauShared>(),
    sometimes<NouveauShared>('the device maps a page', (g) => g.device.pte.some((pfn) => pfn !== null)),
  ];
  if (unregister)
    properties.push(
      ...exactlyOnce<NouveauShared>({
        name: UNREGISTER_ONCE,
        calls: ['hmm_range_register', 'hmm_range_unregister'],
        counts: (g) => [{ id: 'range', opened: g.ghost.registered, closed: g.ghost.unregistered }],
      }),
    );
  return {
    shared: initialNouveau(pages, unregister),
    actors: [
      { name: 'nouveau', routine: nouveauSvmFault(version) },
      ...Array.from({ length: munmaps }, (_, i) => ({ name: name('munmap', munmaps, i), routine: munmap, args: { start: 0, end: pages } })),
      ...Array.from({ length: reclaims }, (_, i) => ({ name: name('reclaim', reclaims, i), routine: reclaim, args: { start: 0, end: 1 } })),
    ],
    properties,
  };
}
