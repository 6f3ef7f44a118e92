/**
 * The driver-side HMM models (scenarios 2, 5, 6 and 7 of the suite): verdict, failing property,
 * states, transitions and depth pinned for each model and its fix, and the shape of each
 * counterexample checked against the kernel story it stands for. A changed count means the model
 * or the checker changed meaning: find out which.
 */
import { describe, expect, it } from 'vitest';
import { compileModel, explore, replay, type AnyModelDefinition, type ExploreOutcome, type Params } from '../../src/index.ts';
import { checkDefinition, failedProperty } from '../../src/testing/helpers.ts';
import { models } from './catalog-drivers.ts';

function byName(name: string): AnyModelDefinition {
  const m = models.find((d) => d.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
}

const check = (name: string, params: Params = {}, properties?: string[]): ExploreOutcome => checkDefinition(byName(name), params, properties);

/** `actor: label` of every step of the counterexample. */
function steps(name: string, params: Params = {}, properties?: string[]): string[] {
  const model = compileModel(byName(name), params);
  const r = explore(model, properties ? { properties } : {});
  if (r.verdict !== 'violation' && r.verdict !== 'deadlock') throw new Error(`${name}: no counterexample (${r.verdict})`);
  return replay(model, r.path!).steps.map((s) => `${s.actor}: ${s.label}`);
}

const LD = 'lock discipline';
const STALE = 'no stale device mapping';

// [model, params, properties (undefined: all), verdict, property, states, transitions, depth]
const pinned: [string, Params, string[] | undefined, string, string | undefined, number, number, number][] = [
  // Scenario 2: the valid-flag race with reclaim; its fix is hmm/v5.5-interval-notifier.
  ['hmm/v5.2-reclaim-race', {}, undefined, 'violation', STALE, 623, 1_113, 29],
  // Scenario 5: recursive down_read after snapshot -EAGAIN; the hmm.rst pattern is the fix.
  ['hmm/v5.2-rc-seed-snapshot-eagain', {}, undefined, 'deadlock', 'deadlock', 1_777, 3_709, 32],
  ['hmm/v5.2-rc-seed-snapshot-eagain', { driver: 'doc' }, undefined, 'pass', undefined, 1_718, 3_593, 45],
  ['hmm/v5.2-rc-seed-snapshot-eagain', { timeouts: true }, undefined, 'violation', LD, 2_008, 4_219, 31],
  ['hmm/v5.2-rc-seed-snapshot-eagain', { timeouts: true }, ['deadlock'], 'deadlock', 'deadlock', 2_214, 4_680, 32],
  ['hmm/v5.2-rc-seed-snapshot-eagain', { driver: 'doc', timeouts: true }, undefined, 'pass', undefined, 2_441, 5_237, 45],
  ['hmm/v5.2-rc-seed-snapshot-eagain', { writers: 0 }, undefined, 'violation', STALE, 663, 1_166, 35],
  ['hmm/v5.2-rc-seed-snapshot-eagain', { writers: 0 }, ['lock discipline: no lock held at exit'], 'violation', 'lock discipline: no lock held at exit', 803, 1_420, 44],
  // Scenario 6: goto again after a timeout; the hmm.rst pattern is the fix.
  ['hmm/v5.2-rc-seed-timeout-retry', {}, undefined, 'violation', LD, 591, 1_035, 28],
  ['hmm/v5.2-rc-seed-timeout-retry', {}, ['unregister exactly once'], 'violation', 'unregister exactly once', 949, 1_709, 36],
  ['hmm/v5.2-rc-seed-timeout-retry', { driver: 'doc' }, undefined, 'pass', undefined, 764, 1_396, 42],
  // Scenario 7: hmm_vma_fault's timeout path; R. Campbell's patch is the fix.
  ['hmm/v5.2-vma-fault-timeout', {}, undefined, 'violation', 'unregister exactly once (by the end)', 615, 1_094, 33],
  ['hmm/v5.2-vma-fault-timeout', { fixed: true }, undefined, 'pass', undefined, 753, 1_363, 47],
  ['hmm/v5.2-vma-fault-timeout', { munmaps: 0 }, undefined, 'pass', undefined, 31, 30, 30],
  ['hmm/v5.2-vma-fault-timeout', { caller: 'kerneldoc' }, undefined, 'violation', LD, 574, 1_007, 30],
  ['hmm/v5.2-vma-fault-timeout', { caller: 'kerneldoc', fixed: true }, undefined, 'violation', 'unregister exactly once', 503, 868, 28],
];

describe('driver-side HMM models', () => {
  it.each(pinned)('%s %o %o: %s %s, %i states, %i transitions, depth %i', (name, params, properties, verdict, property, states, transitions, depth) => {
    const r = check(name, params, properties);
    expect(r.verdict).toBe(verdict);
    expect(failedProperty(r)).toBe(property);
    expect(r.stats.states).toBe(states);
    expect(r.stats.transitions).toBe(transitions);
    expect(r.stats.depth).toBe(depth);
  });
});

describe('hmm/v5.2-reclaim-race', () => {
  it('a complete reclaim invalidate start/end falls between the snapshot and the re-check', () => {
    const labels = steps('hmm/v5.2-reclaim-race');
    const snapshot = labels.indexOf('driver: walk_page_range(start, end, &mm_walk)');
    const start = labels.findIndex((l) => l.startsWith('reclaim: hmm->notifiers++'));
    const clear = labels.indexOf('reclaim: ptep_clear_flush(vma, address, pvmw.pte)');
    const end = labels.findIndex((l) => l.startsWith('reclaim: hmm->notifiers--'));
    const recheck = labels.indexOf('driver: if (!range.valid)');
    expect(snapshot).toBeGreaterThanOrEqual(0);
    expect([snapshot, start, clear, end, recheck]).toEqual([...[snapshot, start, clear, end, recheck]].sort((a, b) => a - b));
    expect(labels.at(-1)).toBe('driver: // Use pfns array content to update device page table');
  });
});

describe('hmm/v5.2-rc-seed-snapshot-eagain', () => {
  it('deadlocks in a wait-for cycle: the driver read-holds mmap_sem and waits behind the queued writer', () => {
    const r = check('hmm/v5.2-rc-seed-snapshot-eagain');
    expect(r.verdict).toBe('deadlock');
    if (r.verdict !== 'deadlock') return;
    expect(r.message).toContain('wait-for cycle: driver → mmap → driver');
    const driver = r.blocked.find((b) => b.actor === 'driver')!;
    expect(driver.step).toBe('down_read(mm->mmap_sem)');
    expect(driver.waitsFor).toBe('rwsem mm->mmap_sem (read-held by driver; writers queued: mmap)');
    expect(driver.heldBy).toEqual(['mmap']);
    const mmap = r.blocked.find((b) => b.actor === 'mmap')!;
    expect(mmap.heldBy).toEqual(['driver']);
  });

  it('the second down_read follows a snapshot that returned -EAGAIN with mmap_sem still held', () => {
    const labels = steps('hmm/v5.2-rc-seed-snapshot-eagain');
    const eagain = labels.indexOf('driver: if (!range->valid) return -EAGAIN');
    const invalidated = labels.findIndex((l) => l.startsWith('munmap: hmm->notifiers++'));
    const queued = labels.indexOf('mmap: down_write_killable(&mm->mmap_sem) → queues as a waiting writer');
    expect(invalidated).toBeGreaterThanOrEqual(0);
    expect(invalidated).toBeLessThan(eagain);
    expect(labels[eagain + 1]).toBe('driver: if (ret == -EAGAIN) { down_read(mm->mmap_sem); goto again; } else if (ret == -EBUSY) goto again');
    expect(queued).toBeGreaterThan(eagain);
    // No up_read of mmap_sem by the driver anywhere on the path: it still holds its first read.
    expect(labels.filter((l) => l.startsWith('driver: up_read'))).toEqual([]);
  });
});

describe('hmm/v5.2-rc-seed-timeout-retry', () => {
  it('after the timeout branch, goto again meets range->hmm == NULL and releases mmap_sem a second time', () => {
    const labels = steps('hmm/v5.2-rc-seed-timeout-retry');
    const timeout = labels.findIndex((l) => l.endsWith('→ times out'));
    const retry = labels.indexOf('driver: goto again');
    expect(timeout).toBeGreaterThanOrEqual(0);
    expect(retry).toBeGreaterThan(timeout);
    expect(labels.slice(retry + 1)).toEqual([
      'driver: if (range->hmm == NULL || range->hmm->dead || range->hmm->mm == NULL) { range->valid = false; return false; }',
      'driver: if (!hmm_range_wait_until_valid(&range, TIMEOUT))',
      'driver: up_read(&mm->mmap_sem)',
    ]);
  });

  it('when the -EAGAIN recursive read made the second up_read balanced, the second unregister is next', () => {
    const labels = steps('hmm/v5.2-rc-seed-timeout-retry', {}, ['unregister exactly once']);
    expect(labels).toContain('driver: down_read(mm->mmap_sem)');
    expect(labels.filter((l) => l === 'driver: goto again')).toHaveLength(1);
    expect(labels.at(-1)).toBe('driver: if (range->hmm == NULL || range->end <= range->start) return');
  });
});

describe('hmm/v5.2-vma-fault-timeout', () => {
  it('the wait times out while munmap invalidates, and the driver returns -EAGAIN with the range still registered', () => {
    const r = check('hmm/v5.2-vma-fault-timeout');
    expect(r.verdict === 'violation' ? r.message : '').toBe('range0: hmm_range_register succeeded 1 times but hmm_range_unregister was called 0 times');
    const labels = steps('hmm/v5.2-vma-fault-timeout');
    const timeout = labels.findIndex((l) => l.endsWith('→ times out'));
    expect(labels.slice(timeout + 2, timeout + 6)).toEqual([
      'driver: if (!hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT))',
      'driver: up_read(&range->vma->vm_mm->mmap_sem)',
      'driver: return -EAGAIN',
      'driver: if (ret == -EAGAIN || ret == -EBUSY) return ret /* mmap_sem was dropped */',
    ]);
    expect(labels.some((l) => l.startsWith('driver: list_del_rcu'))).toBe(false);
  });

  it('with the fix, the timeout branch unregisters before it releases mmap_sem', () => {
    const labels = steps('hmm/v5.2-vma-fault-timeout', { caller: 'kerneldoc', fixed: true });
    const timeout = labels.findIndex((l) => l.endsWith('→ times out'));
    const unregister = labels.indexOf('driver: list_del_rcu(&range->list)');
    const upRead = labels.indexOf('driver: up_read(&range->vma->vm_mm->mmap_sem)');
    expect(timeout).toBeLessThan(unregister);
    expect(unregister).toBeLessThan(upRead);
    // ...and the old kerneldoc pattern's hmm_vma_range_done() unregisters a second time.
    expect(labels.at(-2)).toBe('driver: bool ret = hmm_range_valid(range)');
    expect(labels.at(-1)).toBe('driver: if (range->hmm == NULL || range->end <= range->start) return');
  });

  it('the kerneldoc pattern releases mmap_sem again after the wrapper turned a dropped-lock -EAGAIN into -EBUSY', () => {
    const labels = steps('hmm/v5.2-vma-fault-timeout', { caller: 'kerneldoc' });
    expect(labels).toContain('driver: up_read(&hmm->mm->mmap_sem)');
    expect(labels).toContain('driver: if (ret == -EBUSY || !ret) { ... } else if (ret == -EAGAIN) ret = -EBUSY');
    expect(labels.at(-1)).toBe('driver: up_read(&mm->mmap_sem) /* Handle error ! */');
  });
});
