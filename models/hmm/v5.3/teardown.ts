/**
 * Teardown in Linux 5.3: the fix of the 5.2 use after free (models/hmm/v5.2/teardown.ts).
 *
 * Source: mm/hmm.c as merged for 5.3 ("HMM patches for 5.3", J. Gunthorpe, 9 Jul 2019,
 * idx:48789769626; file copy idx:9734602):
 * - hmm_free(kref): under mm->page_table_lock `if (hmm->mm->hmm == hmm) hmm->mm->hmm = NULL;`, then
 *   mmu_notifier_unregister_no_release(&hmm->mmu_notifier, hmm->mm), then
 *   `mmu_notifier_call_srcu(&hmm->rcu, hmm_free_rcu)`: the kfree waits for the SRCU grace period,
 *   so a notifier already walking the list keeps valid memory ("[PATCH v4 hmm 01/12] mm/hmm: fix use
 *   after free with struct hmm in the mmu notifiers", idx:22901006185).
 * - hmm_invalidate_range_start/end: `hmm = container_of(mn, struct hmm, mmu_notifier); if
 *   (!kref_get_unless_zero(&hmm->kref)) return 0;` (no mm->hmm read, no VM_BUG_ON); `spinlock_t
 *   ranges_lock` instead of the mutex ("[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in
 *   hmm_invalidate_range_start", idx:22336885688); notifiers_decrement() in end.
 * - hmm_mirror_unregister(mirror): `down_write(&hmm->mirrors_sem); list_del(&mirror->list);
 *   up_write(&hmm->mirrors_sem); hmm_put(hmm);` (the racy double-unregister check removed,
 *   idx:22867051763).
 * - The SRCU callback: hmm_free_rcu() → `mmdrop(hmm->mm); kfree(hmm);`, run by the SRCU machinery
 *   once no read section that could see the notifier is open. The model's `srcu` actor runs it when
 *   no notifier-core read section is open at all, which waits at least as long as a real grace
 *   period and is sound for "use after free" (the notifier is off the list by then, so later
 *   readers cannot reach it).
 */
import {
  call,
  down_read,
  down_write,
  kfree,
  kref_get_unless_zero,
  routine,
  spin_lock,
  spin_unlock,
  step,
  up_read,
  up_write,
  use,
  when,
} from '../../../src/index.ts';
import { clear_mm_hmm, hmmPut, mmuNotifierHook, mmu_notifier_unregister_no_release, reclaimThread } from '../v5.2/teardown.ts';
import type { TeardownShared as G } from '../v5.2/teardownState.ts';

/** static void hmm_free(struct kref *kref), 5.3: the kfree is deferred to an SRCU callback. */
const hmm_free = routine<G>('hmm_free', {
  body: [
    call(clear_mm_hmm),
    call(mmu_notifier_unregister_no_release),
    step('mmu_notifier_call_srcu(&hmm->rcu, hmm_free_rcu)', ({ g }) => {
      g.hmm.freeQueued = true;
    }),
  ],
});

/** `hmm = container_of(mn, struct hmm, mmu_notifier); if (!kref_get_unless_zero(&hmm->kref)) return ...;` */
const getUnlessZero = <L>(what: string) =>
  step<G, L>(`if (!kref_get_unless_zero(&hmm->kref)) return${what}`, (c) => {
    use(c, c.g.hmm.life, 'kref_get_unless_zero(&hmm->kref)');
    if (!kref_get_unless_zero(c.g.hmm.kref)) c.ret(0);
  });

/** static int hmm_invalidate_range_start(mn, nrange), 5.3, blockable, as far as struct hmm goes. */
export const hmm_invalidate_range_start = routine<G>('hmm_invalidate_range_start', {
  body: [
    getUnlessZero(' 0'),
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', (g) => g.hmm.ranges_lock),
    step('hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) ...', (c) => {
      use(c, c.g.hmm.life, 'hmm->notifiers++');
      c.g.hmm.notifiers += 1;
      c.g.ghost.invalidations += 1;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', (g) => g.hmm.ranges_lock),
    down_read('if (mmu_notifier_range_blockable(nrange)) down_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step('list_for_each_entry(mirror, &hmm->mirrors, list) rc = mirror->ops->sync_cpu_device_pagetables(mirror, &update)', (c) => {
      use(c, c.g.hmm.life, 'list_for_each_entry(mirror, &hmm->mirrors, list)');
    }),
    up_read('up_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    hmmPut(hmm_free),
  ],
});

/** static void hmm_invalidate_range_end(mn, nrange), 5.3: notifiers_decrement() under ranges_lock. */
export const hmm_invalidate_range_end = routine<G>('hmm_invalidate_range_end', {
  body: [
    getUnlessZero(''),
    spin_lock('notifiers_decrement: spin_lock_irqsave(&hmm->ranges_lock, flags)', (g) => g.hmm.ranges_lock),
    step('hmm->notifiers--; if (!hmm->notifiers) { ... wake_up_all(&hmm->wq); }', (c) => {
      use(c, c.g.hmm.life, 'hmm->notifiers--');
      c.g.hmm.notifiers -= 1;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', (g) => g.hmm.ranges_lock),
    hmmPut(hmm_free),
  ],
});

/** void hmm_mirror_unregister(mirror), 5.3. */
export const hmm_mirror_unregister = routine<G>('hmm_mirror_unregister', {
  body: [
    down_write('down_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step('list_del(&mirror->list)', ({ g }) => {
      g.mirrors[0]!.listed = false;
    }),
    up_write('up_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    hmmPut(hmm_free),
  ],
});

/**
 * static void hmm_release(mn, mm), 5.3 (after "[PATCH v4 hmm 11/12] mm/hmm: Remove confusing
 * comment and logic from hmm_release", idx:22687849745): mirrors_sem is held for read across every
 * release callback, so hmm_mirror_unregister()'s down_write() waits for them.
 */
export const hmm_release = routine<G, { m: number }>('hmm_release', {
  locals: () => ({ m: 0 }),
  body: [
    getUnlessZero(''),
    step('WARN_ON(!list_empty_careful(&hmm->ranges))', (c) => use(c, c.g.hmm.life, 'list_empty_careful(&hmm->ranges)')),
    down_read('down_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step(
      'list_for_each_entry(mirror, &hmm->mirrors, list) if (mirror->ops->release) mirror->ops->release(mirror)',
      (c) => {
        const at = c.g.mirrors.findIndex((m, i) => i >= c.my.m && m.listed);
        if (at < 0) return;
        use(c, c.g.mirrors[at]!.life, 'mirror->ops->release(mirror)');
        c.g.ghost.releases += 1;
        c.my.m = at + 1;
        c.goto('loop');
      },
      { name: 'loop' },
    ),
    up_read('up_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    hmmPut(hmm_free),
  ],
});

/** The SRCU callback queued by hmm_free: runs after the grace period. May never be queued (end state). */
export const srcu_callbacks = routine<G>('srcu_invoke_callbacks', {
  body: [
    when(
      'hmm_free_rcu(): mmdrop(hmm->mm); kfree(hmm)',
      (g) => g.hmm.freeQueued && g.srcu.readers === 0,
      (c) => kfree(c, c.g.hmm.life, 'hmm_free_rcu()'),
      { end: true, waitsFor: 'the SRCU grace period after mmu_notifier_call_srcu' },
    ),
  ],
});

export const reclaim = reclaimThread(
  mmuNotifierHook('invalidate_range_start', hmm_invalidate_range_start),
  mmuNotifierHook('invalidate_range_end', hmm_invalidate_range_end),
);
