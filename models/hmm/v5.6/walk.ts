/**
 * The page-table walk of hmm_range_fault() (mm/hmm.c) over one page, before and after three of J.
 * Gunthorpe's fixes of the 5.7 cycle ("[PATCH hmm 0/8] Various error case bug fixes for
 * hmm_range_fault", 11 Mar 2020, merged for 5.7 with the rest of the "hmm" pull). Each step is a
 * line of the hunks below; the `-` side is Linux 5.6, the `+` side 5.7.
 *
 * - "[PATCH hmm 1/8] mm/hmm: add missing unmaps of the ptep during hmm_vma_handle_pte()": "Many
 *   of the direct returns of error skipped doing the pte_unmap(). All non zero exit paths must
 *   unmap the pte." Three returns of hmm_vma_handle_pte() gain `pte_unmap(ptep)`: the swap entry
 *   that is neither a plain swap entry, device private nor migration ("Report error for
 *   everything else": HMM_PFN_ERROR, -EFAULT), the devmap pte whose get_dev_pagemap() fails
 *   (-EBUSY), and the special pte that is not the zero pfn (HMM_PFN_SPECIAL, -EFAULT).
 *   hmm_vma_walk_pmd() relies on it: `r = hmm_vma_handle_pte(...); if (r) { /* hmm_vma_handle_pte()
 *   did pte_unmap() *\/ return r; }`; its normal exit is `pte_unmap(ptep - 1); return 0;`.
 * - "[PATCH hmm 3/8] mm/hmm: do not call hmm_vma_walk_hole() while holding a spinlock": in
 *   hmm_vma_walk_pud() a huge devmap pud whose pfns the caller asked to fault (a write to a
 *   read-only pud) calls hmm_vma_walk_hole_() → handle_mm_fault(), "a sleeping function", before
 *   `out_unlock: spin_unlock(ptl)`; 5.7 unlocks first. (The pud's ptl is the lock the hunk
 *   releases; we did not read the line that takes it.)
 * - "[PATCH hmm 7/8] mm/hmm: return -EFAULT when setting HMM_PFN_ERROR on requested valid pages":
 *   "hmm_range_fault() should never return 0 if the caller requested a valid page, but the pfns
 *   output for that page would be HMM_PFN_ERROR." In hmm_vma_walk_pmd() a non-present
 *   (non-migration) pmd and a bad pmd `return hmm_pfns_fill(start, end, range, HMM_PFN_ERROR);`;
 *   5.7 first runs hmm_range_need_fault() and returns -EFAULT if a fault was asked for.
 *
 * Abstractions: the caller holds mmap_sem for read (not modelled); the page's shape is chosen
 * nondeterministically at the start (pud: table or huge devmap read-only; pmd: pte table, not
 * present, bad; pte: none, present, devmap with no pgmap, special, other swap entry), and so is the
 * request (none, read, write); one walk, its return value is hmm_range_fault's (the -EBUSY retry
 * loop around walk_page_range() is not modelled); handle_mm_fault() makes the page present.
 * Migration entries and device private entries, whose 5.6 handling other patches of the series
 * changed, are left out.
 */
import { either, label, routine, spin_lock, spin_unlock, step, type Spinlock } from '../../../src/index.ts';

export const EFAULT = -14;
export const EBUSY = -16;

export type Pfn = 'valid' | 'none' | 'error' | 'special' | null;

export interface WalkShared {
  readonly ptl: Spinlock;
  /** Ghost: pte_offset_map() calls not yet matched by pte_unmap(). */
  readonly mapped: number;
  /** Ghost: what the caller asked for, what the walk wrote, what hmm_range_fault returned. */
  readonly request: 'none' | 'read' | 'write';
  readonly pfn: Pfn;
  readonly ret: number | null;
}

export type WalkVersion = '5.6' | '5.7';

type Request = WalkShared['request'];
interface Locals {
  readonly pud: 'table' | 'devmap';
  readonly pmd: 'ptes' | 'swap' | 'bad';
  readonly pte: 'none' | 'present' | 'devmap' | 'special' | 'swap';
}

const ptl = (g: WalkShared) => g.ptl;
const pick = <K extends keyof Locals>(key: K, values: readonly Locals[K][]) =>
  either<WalkShared, Locals>(
    `${key} = READ_ONCE(*${key}p)`,
    values.map((v) => ({ label: String(v), do: ({ my }) => void ((my as { [k in K]: Locals[K] })[key] = v) })),
  );

/** hmm_range_fault(range) with one page: the walk's return value and pfn land in the ghost fields. */
export function hmmRangeFaultWalk(v: WalkVersion) {
  const fixed = v === '5.7';
  const done = (ret: number) => ({ g, exit }: { g: { ret: number | null }; exit: () => void }) => {
    g.ret = ret;
    exit();
  };
  return routine<WalkShared, Locals>('hmm_range_fault', {
    locals: () => ({ pud: 'table', pmd: 'ptes', pte: 'present' }),
    body: [
      either<WalkShared, Locals>('range->pfns[0] = request flags (HMM_PFN_VALID / HMM_PFN_WRITE), default_flags', (['none', 'read', 'write'] as Request[]).map((r) => ({
        label: r,
        do: ({ g }) => {
          g.request = r;
        },
      }))),
      pick('pud', ['table', 'devmap']),
      step('hmm_vma_walk_pud: if (!pud_huge(pud) || !pud_devmap(pud)) → hmm_vma_walk_pmd', ({ my, goto }) => {
        if (my.pud === 'table') goto('pmd');
      }),
      spin_lock('hmm_vma_walk_pud: ptl held (out_unlock: spin_unlock(ptl))', ptl),
      step('hmm_range_need_fault(hmm_vma_walk, pfns, npages, cpu_flags /* read-only */, &fault, &write_fault); if (fault || write_fault)', ({ g, goto }) => {
        if (g.request !== 'write') goto('pud_fill');
      }),
      ...(fixed ? [spin_unlock<WalkShared, Locals>('spin_unlock(ptl)', ptl)] : []),
      step('return hmm_vma_walk_hole_(addr, end, fault, write_fault, walk) → handle_mm_fault()', ({ g }) => {
        g.pfn = 'valid';
      }, { mightSleep: true }),
      ...(fixed ? [step<WalkShared, Locals>('return 0', done(0))] : [spin_unlock<WalkShared, Locals>('goto out_unlock; out_unlock: spin_unlock(ptl); return ret', ptl), step<WalkShared, Locals>('return 0', done(0))]),
      label('pud_fill'),
      step('pfns[i] = hmm_device_entry_from_pfn(range, pfn) | cpu_flags', ({ g }) => {
        g.pfn = 'valid';
      }),
      spin_unlock('out_unlock: spin_unlock(ptl); return 0', ptl),
      step('return 0', done(0)),

      label('pmd'),
      pick('pmd', ['ptes', 'swap', 'bad']),
      step('if (!pmd_present(pmd) || pmd_bad(pmd))', ({ my, goto }) => {
        if (my.pmd === 'ptes') goto('ptes');
      }),
      ...(fixed
        ? [
            step<WalkShared, Locals>('hmm_range_need_fault(hmm_vma_walk, pfns, npages, 0, &fault, &write_fault); if (fault || write_fault) return -EFAULT;', ({ g, exit }) => {
              if (g.request === 'none') return;
              g.ret = EFAULT;
              exit();
            }),
          ]
        : []),
      step('return hmm_pfns_fill(start, end, range, HMM_PFN_ERROR)', ({ g }) => {
        g.pfn = 'error';
        g.ret = 0;
      }),
      step('return 0', ({ exit }) => exit()),

      label('ptes'),
      step('ptep = pte_offset_map(pmdp, addr)', ({ g }) => {
        g.mapped += 1;
      }),
      pick('pte', ['none', 'present', 'devmap', 'special', 'swap']),
      step('hmm_vma_handle_pte: if (pte_none(pte)) { hmm_pte_need_fault(hmm_vma_walk, orig_pfn, 0, &fault, &write_fault); if (fault || write_fault) goto fault; return 0; }', ({ g, my, goto }) => {
        if (my.pte !== 'none') return;
        goto(g.request === 'none' ? 'pte_none' : 'fault');
      }),
      step('if (!pte_present(pte)) { ... /* everything else */ } cpu_flags = pte_to_hmm_pfn_flags(range, pte); ...; if (pte_devmap(pte)) { ... } else if (pte_special(pte)) { ... }', ({ my, goto }) => {
        goto(my.pte === 'present' ? 'pte_ok' : `pte_${my.pte}`);
      }),
      label('pte_swap'),
      ...(fixed ? [unmap('/* Report error for everything else */ pte_unmap(ptep)')] : []),
      step('*pfn = range->values[HMM_PFN_ERROR]; return -EFAULT', ({ g, exit }) => {
        g.pfn = 'error';
        g.ret = EFAULT;
        exit();
      }),
      label('pte_devmap'),
      ...(fixed ? [unmap('hmm_vma_walk->pgmap = get_dev_pagemap(pte_pfn(pte), hmm_vma_walk->pgmap); if (unlikely(!hmm_vma_walk->pgmap)) { pte_unmap(ptep)')] : []),
      step(fixed ? 'return -EBUSY; }' : 'hmm_vma_walk->pgmap = get_dev_pagemap(pte_pfn(pte), hmm_vma_walk->pgmap); if (unlikely(!hmm_vma_walk->pgmap)) return -EBUSY', ({ g, exit }) => {
        g.ret = EBUSY;
        exit();
      }),
      label('pte_special'),
      ...(fixed ? [unmap('if (!is_zero_pfn(pte_pfn(pte))) { pte_unmap(ptep)')] : []),
      step(fixed ? '*pfn = range->values[HMM_PFN_SPECIAL]; return -EFAULT; }' : 'if (!is_zero_pfn(pte_pfn(pte))) { *pfn = range->values[HMM_PFN_SPECIAL]; return -EFAULT; }', ({ g, exit }) => {
        g.pfn = 'special';
        g.ret = EFAULT;
        exit();
      }),
      label('pte_none'),
      step('*pfn = range->values[HMM_PFN_NONE]; return 0', ({ g, goto }) => {
        g.pfn = 'none';
        goto('pmd_end');
      }),
      label('pte_ok'),
      step('*pfn = hmm_device_entry_from_pfn(range, pte_pfn(pte)) | cpu_flags; return 0', ({ g, goto }) => {
        g.pfn = 'valid';
        goto('pmd_end');
      }),
      label('fault'),
      unmap('fault: pte_unmap(ptep)'),
      step('/* Fault any virtual address we were asked to fault */ return hmm_vma_walk_hole_(addr, end, fault, write_fault, walk) → handle_mm_fault()', ({ g }) => {
        g.pfn = 'valid';
        g.ret = 0;
      }, { mightSleep: true }),
      step('return 0', ({ exit }) => exit()),
      label('pmd_end'),
      unmap('hmm_vma_walk_pmd: pte_unmap(ptep - 1)'),
      step('return 0', done(0)),
    ],
  });
}

function unmap(text: string) {
  return step<WalkShared, Locals>(text, ({ g }) => {
    g.mapped -= 1;
  });
}
