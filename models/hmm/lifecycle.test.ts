/**
 * The lifecycle family of the HMM suite (models/hmm/catalog-lifecycle.ts): teardown (5.2 use after
 * free, 5.3 kref + SRCU fix), nouveau's 5.3-rc fault path and its fix, and the 5.5
 * mmu_interval_notifier design. Verdicts, failing properties and exact counts are pinned; a changed
 * count means the model or the checker changed meaning.
 */
import { describe, expect, it } from 'vitest';
import { compileModel, explore, replay, type ExploreOutcome, type Params } from '../../src/index.ts';
import { models } from './catalog-lifecycle.ts';

function check(name: string, params: Params = {}, properties?: string[]): ExploreOutcome {
  const m = models.find((d) => d.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return explore(compileModel(m, params), properties ? { properties } : {});
}

function failedProperty(r: ExploreOutcome): string | undefined {
  return r.verdict === 'violation' ? r.property.name : r.verdict === 'deadlock' ? 'deadlock' : undefined;
}

/** `actor: label` of each step of a replay path. */
function labels(name: string, params: Params, path: readonly number[]): string[] {
  const model = compileModel(models.find((d) => d.name === name)!, params);
  return replay(model, [...path]).steps.map((s) => `${s.actor}: ${s.label}`);
}

const pathOf = (r: ExploreOutcome): readonly number[] => (r.verdict === 'violation' || r.verdict === 'deadlock' ? r.path! : []);

// [model, params, verdict, property, states, transitions, depth]
const pinned: [string, Params, string, string | undefined, number, number, number][] = [
  ['hmm/v5.2-teardown-use-after-free', {}, 'violation', 'NULL pointer dereference', 67, 106, 10],
  ['hmm/v5.3-teardown', {}, 'pass', undefined, 282, 481, 32],
  ['hmm/v5.2-release-mirror-use-after-free', {}, 'violation', 'use after free', 127, 211, 19],
  ['hmm/v5.2-release-mirror-use-after-free', { mirrors: 1 }, 'violation', 'NULL pointer dereference', 66, 105, 10],
  ['hmm/v5.3-release', {}, 'pass', undefined, 107, 178, 19],
  ['hmm/v5.3-release', { mirrors: 1 }, 'pass', undefined, 233, 400, 26],
  ['hmm/v5.3-rc1-nouveau-fault-unlock', {}, 'violation', 'lock discipline', 640, 1_382, 16],
  ['hmm/v5.3-nouveau-fault-unlock', {}, 'pass', undefined, 4_741, 11_202, 75],
  // The timeout path leaves the on-stack range on hmm->ranges: the next invalidation writes into the dead frame.
  ['hmm/v5.3-nouveau-fault-unlock', { unregister: true }, 'violation', 'use after free', 1_370, 3_131, 22],
  ['hmm/v5.5-interval-notifier', {}, 'pass', undefined, 16_028, 38_459, 55],
  // The actors of hmm/v5.2-reclaim-race (one driver, one reclaim thread): the race it fails passes here.
  ['hmm/v5.5-interval-notifier', { munmaps: 0 }, 'pass', undefined, 631, 1_052, 38],
];

describe('lifecycle family', () => {
  it.each(pinned)('%s %o: %s %s, %i states, %i transitions, depth %i', (name, params, verdict, property, states, transitions, depth) => {
    const r = check(name, params);
    expect(r.verdict).toBe(verdict);
    expect(failedProperty(r)).toBe(property);
    expect(r.stats.states).toBe(states);
    expect(r.stats.transitions).toBe(transitions);
    expect(r.stats.depth).toBe(depth);
    // Every model here has a `sometimes` witness (the device maps a page, the notifier runs): a pass is not vacuous.
    if (verdict === 'pass') expect(r.witnesses?.length).toBeGreaterThan(0);
  });
});

describe('hmm/v5.5-interval-notifier', () => {
  it('both witnesses: the device gets mapped, and a re-check under driver->update fails and retries', () => {
    const r = check('hmm/v5.5-interval-notifier', { munmaps: 0 });
    expect(r.witnesses?.map((w) => w.property)).toEqual(['the device maps a page', 'mmu_interval_read_retry catches an invalidation']);
    const steps = labels('hmm/v5.5-interval-notifier', { munmaps: 0 }, r.witnesses![1]!.path!);
    const fault = steps.indexOf('driver: walk_page_range(start, end, &hmm_walk_ops, &hmm_vma_walk)');
    const setSeq = steps.findIndex((l) => l.startsWith('reclaim: mmu_interval_set_seq'));
    expect(fault).toBeGreaterThanOrEqual(0);
    expect(setSeq).toBeGreaterThan(fault);
    expect(steps.at(-1)).toBe('driver: if (mmu_interval_read_retry(&ni, range.notifier_seq))');
  });

  it('without invalidating threads the driver maps, tears down and frees in one pass', () => {
    const r = check('hmm/v5.5-interval-notifier', { munmaps: 0, reclaims: 0 });
    expect(r.verdict).toBe('pass');
    expect(labels('hmm/v5.5-interval-notifier', { munmaps: 0, reclaims: 0 }, r.witnesses![0]!.path!).at(-1)).toBe(
      'driver: // Use pfns array content to update device page table, under the update lock',
    );
  });
});

describe('hmm/v5.2-teardown-use-after-free', () => {
  it('the use after free of the record: reclaim loads mn->ops from struct hmm after hmm_free() kfree()d it', () => {
    const r = check('hmm/v5.2-teardown-use-after-free', {}, ['use after free']);
    expect(failedProperty(r)).toBe('use after free');
    expect(r.verdict === 'violation' ? r.message : '').toContain('mn->ops->invalidate_range_start after struct hmm was freed');
    const steps = labels('hmm/v5.2-teardown-use-after-free', {}, pathOf(r));
    expect(steps).toHaveLength(14);
    expect(steps.indexOf('driver: kfree(hmm)')).toBeGreaterThan(steps.findIndex((l) => l.startsWith('reclaim: id = srcu_read_lock')));
  });

  it('the shortest failure: mm_get_hmm() sees kref 0 before mm->hmm is cleared and returns NULL into VM_BUG_ON(!hmm)', () => {
    const r = check('hmm/v5.2-teardown-use-after-free');
    const steps = labels('hmm/v5.2-teardown-use-after-free', {}, pathOf(r));
    expect(steps.slice(-3)).toEqual([
      'reclaim: hmm = READ_ONCE(mm->hmm)',
      'reclaim: if (hmm && kref_get_unless_zero(&hmm->kref)) return hmm; return NULL',
      'reclaim: VM_BUG_ON(!hmm)',
    ]);
    expect(steps).toContain('driver: hmm_put(hmm)');
    expect(steps).not.toContain('driver: kfree(hmm)');
  });
});

describe('hmm/v5.3-rc1-nouveau-fault-unlock', () => {
  it('the shortest double up_read: the wait times out, hmm_vma_fault drops mmap_sem, nouveau_svm_fault drops it again', () => {
    const r = check('hmm/v5.3-rc1-nouveau-fault-unlock');
    const steps = labels('hmm/v5.3-rc1-nouveau-fault-unlock', {}, pathOf(r));
    expect(steps).toContain('nouveau: wait_event_timeout(range->hmm->wq, range->valid, msecs_to_jiffies(timeout)) → times out');
    expect(steps.slice(-4)).toEqual([
      'nouveau: up_read(&range->vma->vm_mm->mmap_sem)',
      'nouveau: return -EAGAIN',
      'nouveau: if (ret == 0)',
      'nouveau: up_read(&svmm->mm->mmap_sem)',
    ]);
  });

  it('"works correctly in the success case": without invalidating threads both versions pass', () => {
    for (const name of ['hmm/v5.3-rc1-nouveau-fault-unlock', 'hmm/v5.3-nouveau-fault-unlock']) {
      const r = check(name, { munmaps: 0, reclaims: 0 });
      expect(r.verdict).toBe('pass');
      expect(r.witnesses?.map((w) => w.property)).toEqual(['the device maps a page']);
    }
  });
});

describe('hmm/v5.2-release-mirror-use-after-free', () => {
  it('is the race of the record: release drops mirrors_sem, the driver unregisters and frees the mirror, release calls it', () => {
    const r = check('hmm/v5.2-release-mirror-use-after-free');
    const steps = labels('hmm/v5.2-release-mirror-use-after-free', {}, pathOf(r));
    const order = [
      'exit: up_write(&hmm->mirrors_sem)',
      'driver: down_write(&hmm->mirrors_sem)',
      'driver: up_write(&hmm->mirrors_sem)',
      'driver: kfree(mirror)',
      'exit: mirror->ops->release(mirror)',
    ].map((l) => steps.indexOf(l));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(order.at(-1)).toBe(steps.length - 1);
  });
});
