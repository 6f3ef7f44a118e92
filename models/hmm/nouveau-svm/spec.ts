/**
 * Builds the post-5.5 models: a nouveau GPU fault handler (thread 0) against one CPU-side
 * invalidation, reclaim (blockable, try_to_unmap_one) or the OOM reaper (non-blockable,
 * __oom_reap_task_mm), over a core configuration (models/hmm/nouveau-svm/mmu_notifier.ts).
 *
 * The CPU-side actors are those of the 5.2/5.3 nonblocking models (models/hmm/v5.2/oom.ts, where
 * mm/oom_kill.c and mm/rmap.c are quoted): the OOM reaper's text did not change in the part
 * modelled (down_read_trylock(mmap_sem), range_init, start_nonblock, skip the vma on failure
 * without invalidate_range_end, unmap_page_range, end, tlb_finish_mmu), and c2655835fd8c left
 * mm/oom_kill.c alone (its v1, which changed the reaper instead, was not merged).
 */
import { always, eventually, reading, sometimes, type ActorSpec, type AnyRoutine, type ModelSpec, type Property, type Routine } from '../../../src/index.ts';
import { noLockHeldAtExit } from '../../../properties/lockDiscipline.ts';
import { noStaleMapping } from '../../../properties/noStaleMapping.ts';
import { oomReaper, reclaimer } from '../v5.2/oom.ts';
import { entryPoints, type CoreConfig } from './mmu_notifier.ts';
import { initialNouveau, type NvShared } from './state.ts';

export const INTERVAL_QUIESCENT = 'no invalidation in flight: active_invalidate_ranges is 0 and invalidate_seq even';
export const KVM_COUNT_ZERO = 'no invalidation in flight: kvm->mmu_notifier_count is 0';
export const FAULT_FINISHES = 'the GPU fault handler finishes (read_begin and remove return)';
export const RETRY_CAUGHT = 'mmu_interval_read_retry catches an invalidation';
export const GPU_MAPS = 'the GPU maps the page';

export type Invalidator = 'reclaim' | 'oom';

export interface NouveauScenario {
  readonly core: CoreConfig;
  /** The GPU fault handler, or null for a model of the core alone (the hlist pairing models). */
  readonly fault: AnyRoutine | null;
  readonly invalidator: Invalidator;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const asActor = (r: AnyRoutine) => r as unknown as Routine<NvShared, any, any>;

export function nouveauSpec({ core, fault, invalidator }: NouveauScenario): ModelSpec<NvShared> {
  const { blocking, nonblocking, end } = entryPoints(core);
  const cpu =
    invalidator === 'oom'
      ? { name: 'oom_reaper', routine: asActor(oomReaper(nonblocking, end)), args: { start: 0, end: 1 } }
      : { name: 'reclaim', routine: asActor(reclaimer(blocking, end)), args: { start: 0, end: 1 } };
  const actors: ActorSpec<NvShared>[] = [...(fault ? [{ name: 'gpu_fault', routine: asActor(fault) }] : []), cpu];
  const properties: Property<NvShared>[] = [
    reading(
      noStaleMapping<NvShared>((g) => g.device.pte.map((device, page) => ({ page, device, cpu: g.mm.pte[page] ?? null, invalidating: false }))),
      ['device.pte', 'mm.pte'],
    ),
    noLockHeldAtExit<NvShared>(),
  ];
  if (core.interval) {
    properties.push(
      reading(alwaysQuiescent(), ['oom', 'mmn_mm.active_invalidate_ranges', 'mmn_mm.invalidate_seq']),
    );
  }
  if (core.hlist.some((s) => s.end !== null)) {
    properties.push(kvmCountZero());
  }
  if (fault) {
    properties.push(reading(sometimes<NvShared>(GPU_MAPS, (g) => g.device.pte.some((pfn) => pfn !== null)), ['device.pte']));
    if (invalidator === 'reclaim') {
      properties.push(
        sometimes<NvShared>(RETRY_CAUGHT, (_g, w) => w.at(0, 'mutex_unlock(&svmm->mutex); continue')),
      );
    }
    // Liveness: nothing in the fault handler waits with a timeout except the loop's own 1 s check.
    properties.push(eventually<NvShared>(FAULT_FINISHES, (_g, w) => w.finished(0)));
  }
  return { shared: initialNouveau(), actors, properties };
}

/** The interval tree's write side is closed whenever no invalidation is in flight. */
function alwaysQuiescent(): Property<NvShared> {
  return always<NvShared>(
    INTERVAL_QUIESCENT,
    (g) => g.oom.inFlight > 0 || (g.mmn_mm.active_invalidate_ranges === 0 && (g.mmn_mm.invalidate_seq & 1) === 0),
    (g) => `no invalidation is in flight, but active_invalidate_ranges is ${g.mmn_mm.active_invalidate_ranges} and invalidate_seq is ${g.mmn_mm.invalidate_seq}`,
  );
}

function kvmCountZero(): Property<NvShared> {
  return always<NvShared>(
    KVM_COUNT_ZERO,
    (g) => g.oom.inFlight > 0 || g.kvm.mmu_notifier_count === 0,
    (g) => `no invalidation is in flight, but kvm->mmu_notifier_count is ${g.kvm.mmu_notifier_count}`,
  );
}
