/**
 * The post-5.5 HMM / mmu-notifier models: verdict, failing property, states, transitions and depth
 * pinned per model (with liveness, through checkModel), the counterexamples' shape checked against
 * the code they stand for, and, for the models that pass, that the paths they guard are taken.
 * A changed count means the model or the checker changed meaning: find out which.
 */
import { describe, expect, it } from 'vitest';
import { checkModel, compileModel, replay, type Params } from '../../src/index.ts';
import { failedProperty } from '../../src/testing/helpers.ts';
import { NO_STALE_MAPPING } from '../../properties/noStaleMapping.ts';
import { models } from './catalog-post55.ts';
import { MMAP_SEM_KEPT } from './v5.2-fault-allow-retry.ts';
import { PTE_MAP_BALANCED, SUCCESS_MEANS_VALID } from './v5.6-hmm-range-fault-walk.ts';
import { RANGE_OWNED, RETRY_GATES, WARN_FIRES } from './amdgpu-userptr/cs.ts';
import { FAULT_FINISHES, INTERVAL_QUIESCENT, KVM_COUNT_ZERO } from './nouveau-svm/spec.ts';

const byName = (name: string) => {
  const m = models.find((d) => d.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
};

function run(name: string, params: Params = {}, properties?: string[]) {
  const model = compileModel(byName(name), params);
  const r = checkModel(model, properties ? { properties } : {});
  const steps = r.verdict === 'violation' || r.verdict === 'deadlock' ? replay(model, r.path!).steps.map((s) => `${s.actor}: ${s.label}`) : [];
  return { r, steps };
}

// [model, params, properties (undefined: all), verdict, property, states, transitions, depth]
const pinned: [string, Params, string[] | undefined, string, string | undefined, number, number, number][] = [
  // 1. OOM reaper, interval tree + hlist: the tree's write side leaks (5.12+, c2655835fd8c present).
  ['hmm/v5.12-nouveau-oom-itree-leak', {}, undefined, 'violation', INTERVAL_QUIESCENT, 179, 301, 12],
  // ... and then read_begin sleeps for ever: a deadlock, and the liveness property fails.
  ['hmm/v5.12-nouveau-oom-itree-leak', {}, ['deadlock'], 'deadlock', 'deadlock', 468, 855, 22],
  ['hmm/v5.12-nouveau-oom-itree-leak', {}, [FAULT_FINISHES], 'violation', FAULT_FINISHES, 1_097, 2_023, 43],
  ['hmm/v5.12-oom-itree-unwind', {}, undefined, 'pass', undefined, 1_639, 3_021, 51],
  // 1. Two hlist subscribers: what c2655835fd8c fixed.
  ['hmm/v5.11-oom-hlist-unpaired', {}, undefined, 'violation', KVM_COUNT_ZERO, 11, 10, 10],
  ['hmm/v5.12-oom-hlist-paired', {}, undefined, 'pass', undefined, 14, 13, 13],
  // 2. nouveau's split invalidation: the kernel's order, the other order, the unmerged rewrite.
  ['hmm/v5.5-nouveau-split-invalidate', {}, undefined, 'pass', undefined, 1_713, 3_143, 52],
  ['hmm/v5.5-nouveau-split-reversed', {}, undefined, 'violation', NO_STALE_MAPPING, 986, 1_764, 34],
  ['hmm/v5.5-nouveau-interval-rewrite-unmerged', {}, undefined, 'pass', undefined, 1_075, 1_985, 52],
  ['hmm/v5.5-nouveau-interval-rewrite-unmerged', { invalidator: 'oom' }, undefined, 'pass', undefined, 1_506, 2_813, 57],
  // 3. amdgpu userptr: the shared gtt->range slot, each property alone, and the fix.
  ['hmm/v6.1-rc-amdgpu-userptr-shared-range', {}, undefined, 'violation', WARN_FIRES, 453, 1_032, 13],
  ['hmm/v6.1-rc-amdgpu-userptr-shared-range', {}, [RANGE_OWNED], 'violation', RANGE_OWNED, 5_305, 13_075, 27],
  ['hmm/v6.1-rc-amdgpu-userptr-shared-range', {}, [RETRY_GATES], 'violation', RETRY_GATES, 6_766, 16_636, 29],
  ['hmm/v6.1-rc-amdgpu-userptr-shared-range', {}, [NO_STALE_MAPPING], 'violation', NO_STALE_MAPPING, 27_507, 68_792, 44],
  ['hmm/v6.1-amdgpu-userptr-range', {}, undefined, 'pass', undefined, 41_261, 109_911, 76],
  // 4. hmm_range_fault's walk: 5.6 fails each property, 5.7 passes.
  ['hmm/v5.6-hmm-range-fault-walk', {}, undefined, 'violation', 'no sleeping under spinlock', 52, 52, 6],
  ['hmm/v5.6-hmm-range-fault-walk', {}, [PTE_MAP_BALANCED], 'violation', PTE_MAP_BALANCED, 109, 112, 10],
  ['hmm/v5.6-hmm-range-fault-walk', {}, [SUCCESS_MEANS_VALID], 'violation', SUCCESS_MEANS_VALID, 65, 66, 7],
  ['hmm/v5.7-hmm-range-fault-walk', {}, undefined, 'pass', undefined, 132, 139, 11],
  // 5. FAULT_FLAG_ALLOW_RETRY with block == true (5.2) and without (5.3).
  ['hmm/v5.2-fault-allow-retry', {}, undefined, 'violation', MMAP_SEM_KEPT, 22, 26, 10],
  ['hmm/v5.2-fault-allow-retry', {}, ['lock discipline'], 'violation', 'lock discipline', 23, 28, 10],
  ['hmm/v5.3-fault-allow-retry', {}, undefined, 'pass', undefined, 26, 30, 12],
];

describe('post-5.5 HMM models', () => {
  it.each(pinned)('%s %o %o: %s %s, %i states, %i transitions, depth %i', (name, params, properties, verdict, property, states, transitions, depth) => {
    const { r } = run(name, params, properties);
    expect({ verdict: r.verdict, property: failedProperty(r), states: r.stats.states, transitions: r.stats.transitions, depth: r.stats.depth }).toEqual({
      verdict,
      property,
      states,
      transitions,
      depth,
    });
  });
});

describe('hmm/v5.12-nouveau-oom-itree-leak', () => {
  it('the tree starts, nouveau refuses, the hlist-only unwind runs, and the reaper skips range_end', () => {
    const { steps } = run('hmm/v5.12-nouveau-oom-itree-leak');
    expect(steps[3]).toMatch(/^oom_reaper: mn_itree_inv_start_range: .*active_invalidate_ranges\+\+/);
    expect(steps).toContain('oom_reaper: if (!mmu_notifier_range_blockable(update)) return -EAGAIN');
    expect(steps).toContain('oom_reaper: if (ret) { /* c2655835fd8c: any that succeeded start are expecting their end */');
    expect(steps.at(-1)).toMatch(/^oom_reaper: if \(mmu_notifier_invalidate_range_start_nonblock\(&range\)\)/);
    expect(steps.some((s) => s.includes('active_invalidate_ranges ||'))).toBe(false);
  });

  it('the deadlock is the fault handler asleep in mmu_interval_read_begin, after insert made the sequence odd', () => {
    const { r, steps } = run('hmm/v5.12-nouveau-oom-itree-leak', {}, ['deadlock']);
    expect(r.verdict).toBe('deadlock');
    if (r.verdict !== 'deadlock') return;
    expect(r.blocked.map((b) => b.actor)).toEqual(['gpu_fault']);
    expect(r.blocked[0]!.step).toContain('wait_event(mmn_mm->wq');
    expect(steps.some((s) => s.startsWith('gpu_fault: if (mmn_mm->active_invalidate_ranges)'))).toBe(true);
  });

  it('with the candidate unwind the reaper both fails and succeeds, and the fault handler is caught by read_retry', () => {
    const r = checkModel(compileModel(byName('hmm/v5.12-oom-itree-unwind')));
    expect(r.verdict).toBe('pass');
    expect(r.witnesses.every((w) => w.path !== null)).toBe(true);
  });
});

describe('hmm/v5.5-nouveau-split-reversed', () => {
  it('the hlist callback clears an empty GPU table, the fault handler programs the pfn, reclaim frees the page', () => {
    const { steps } = run('hmm/v5.5-nouveau-split-reversed');
    const cleared = steps.indexOf('reclaim: nouveau_svmm_invalidate(svmm, start, limit)');
    const programmed = steps.findIndex((s) => s.startsWith('gpu_fault: nouveau_dmem_convert_pfn'));
    expect(cleared).toBeGreaterThanOrEqual(0);
    expect(programmed).toBeGreaterThan(cleared);
    expect(steps.at(-1)).toBe('reclaim: ptep_clear_flush(vma, address, pvmw.pte)');
  });
});

describe('hmm/v6.1-rc-amdgpu-userptr-shared-range', () => {
  it('both passes clear the WARN before either stores its range; one then checks the other\'s later sequence and pushes stale pages', () => {
    const { steps } = run('hmm/v6.1-rc-amdgpu-userptr-shared-range', {}, [NO_STALE_MAPPING]);
    const warn = (cs: string) => steps.indexOf(`${cs}: amdgpu_ttm_tt_get_user_pages: if (WARN_ON(gtt->range)) return -EFAULT;  /* "Another get_user_pages is running at the same time??" */`);
    const store = (cs: string) => steps.indexOf(`${cs}: pages[i] = hmm_pfn_to_page(pfns[i]); *phmm_range = hmm_range;  /* &gtt->range */`);
    expect(warn('cs_B')).toBeLessThan(store('cs_A'));
    expect(store('cs_A')).toBeLessThan(store('cs_B'));
    expect(steps.indexOf('reclaim: ptep_clear_flush(vma, address, pvmw.pte)')).toBeLessThan(store('cs_B'));
    expect(steps.at(-1)).toBe('cs_A: drm_sched_entity_push_job(); ttm_eu_fence_buffer_objects()  /* the GPU job uses e->user_pages */');
  });

  it('the fix passes with both witnesses reached: a GPU job runs, and a CS is caught by read_retry and restarts', () => {
    const r = checkModel(compileModel(byName('hmm/v6.1-amdgpu-userptr-range')));
    expect(r.verdict).toBe('pass');
    expect(r.witnesses.map((w) => w.property)).toEqual(['a GPU job uses the userptr pages', 'a CS gets -EAGAIN and restarts']);
  });
});

describe('record fix: hmm/v5.3-nouveau-fault-unlock -p unregister=true', () => {
  it('the timeout path returns with the on-stack range listed; the next invalidation writes into the dead frame', async () => {
    const { models: lifecycle } = await import('./catalog-lifecycle.ts');
    const model = compileModel(lifecycle.find((m) => m.name === 'hmm/v5.3-nouveau-fault-unlock')!, { unregister: true });
    const r = checkModel(model);
    expect(failedProperty(r)).toBe('use after free');
    const steps = replay(model, r.verdict === 'violation' ? r.path! : []).steps.map((s) => `${s.actor}: ${s.label}`);
    expect(steps).toContain('nouveau: return -EAGAIN');
    expect(steps.indexOf('nouveau: return /* faults whose pages did not keep their valid bit are cancelled */')).toBeLessThan(steps.length - 1);
    expect(steps.at(-1)).toBe('munmap: hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) if (overlaps) range->valid = false');
    // The unregister leak it started from is still pinned on its own.
    const u = checkModel(model, { properties: ['unregister exactly once (by the end)'] });
    expect({ property: failedProperty(u), states: u.stats.states, transitions: u.stats.transitions }).toEqual({
      property: 'unregister exactly once (by the end)',
      states: 3_949,
      transitions: 9_292,
    });
  });
});
