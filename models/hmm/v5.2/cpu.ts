/**
 * CPU-side threads that change the page table under mmu notifier brackets (Linux 5.2).
 *
 * munmap: since 4.20 (dd2283f2605e, "mm: mmap: zap pages with read mmap_sem in munmap") the
 * munmap syscall takes mmap_sem for write, detaches the vmas, then downgrades to read before
 * unmap_region(); so its notifier calls run with mmap_sem held for read. Sources: __vm_munmap /
 * __do_munmap in mm/mmap.c (Y. Shi, "[v11 PATCH 1/3] mm: mmap: zap pages with read mmap_sem in
 * munmap", 20 Sep 2018); unmap_vmas in mm/memory.c brackets the zap with
 * mmu_notifier_invalidate_range_start/end ("[PATCH v6 5/8] mm/mmu_notifier: contextual information
 * for event triggering invalidation v2", J. Glisse, 26 Mar 2019).
 *
 * reclaim: try_to_unmap_one() in mm/rmap.c brackets the pte clear with
 * mmu_notifier_invalidate_range_start/end and holds no mmap_sem (page lock and rmap locks only).
 */
import type { Draft } from 'immer';
import { down_write, downgrade_write, up_read, call, routine, step, type RwSemaphore, type Routine } from '../../../src/index.ts';
import { hmm_invalidate_range_end, hmm_invalidate_range_start } from './hmm.ts';
import type { Pfn, Shared } from './state.ts';

type Pages = { start: number; end: number };

/** Footprints (partial-order reduction): the CPU side touches `mm.vma`, `mm.pte` and `mm.mmap_sem`. */
const MMAP_SEM = 'mm.mmap_sem';
const onMmapSem = (holding: readonly string[] = []) => ({ reads: [MMAP_SEM], writes: [MMAP_SEM], holding });

/** The part of a model's shared state the CPU threads touch. */
export interface CpuSide {
  readonly mm: { readonly mmap_sem: RwSemaphore; readonly vma: boolean; readonly pte: readonly Pfn[] };
}

/**
 * munmap and reclaim around a kernel version's notifier brackets: `start` and `end` stand for
 * mmu_notifier_invalidate_range_start/end as that version dispatches them.
 */
export function cpuThreads<G extends CpuSide>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  start: Routine<G, any, Pages>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  end: Routine<G, any, Pages>,
) {
  const pages = (_g: G, my: Pages): Pages => ({ start: my.start, end: my.end });
  const mm = (g: G | Draft<G>) => (g as Draft<CpuSide>).mm;
  const clear = (g: Draft<G>, my: Pages) => {
    for (let p = my.start; p < my.end; p++) mm(g).pte[p] = null;
  };
  /** munmap(start, end): __vm_munmap(start, len, downgrade = true). */
  const munmap = routine<G, Pages, Pages>('munmap', {
    locals: (p) => ({ ...p }),
    body: [
      down_write('down_write_killable(&mm->mmap_sem)', (g) => g.mm.mmap_sem, { footprint: onMmapSem() }),
      step(
        'detach_vmas_to_be_unmapped(mm, vma, prev, end)',
        ({ g }) => {
          mm(g).vma = false;
        },
        { footprint: { writes: ['mm.vma'], holding: [MMAP_SEM] } },
      ),
      downgrade_write('downgrade_write(&mm->mmap_sem)', (g) => g.mm.mmap_sem, { footprint: onMmapSem([MMAP_SEM]) }),
      call(start, pages),
      step('unmap_single_vma(tlb, vma, start, end, NULL)', ({ g, my }) => clear(g, my), { footprint: { writes: ['mm.pte'], holding: [MMAP_SEM] } }),
      call(end, pages),
      up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem, { footprint: onMmapSem([MMAP_SEM]) }),
    ],
  });
  /** Page reclaim of one page: try_to_unmap_one(page, vma, address). */
  const reclaim = routine<G, Pages, Pages>('try_to_unmap_one', {
    locals: (p) => ({ ...p }),
    body: [
      call(start, pages),
      step('ptep_clear_flush(vma, address, pvmw.pte)', ({ g, my }) => clear(g, my), { footprint: { writes: ['mm.pte'] } }),
      call(end, pages),
    ],
  });
  return { munmap, reclaim };
}

export const { munmap, reclaim } = cpuThreads<Shared>(hmm_invalidate_range_start, hmm_invalidate_range_end);
