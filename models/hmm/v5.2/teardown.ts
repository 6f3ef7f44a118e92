/**
 * Teardown in Linux 5.2: hmm_mirror_unregister() drops the last reference on `struct hmm` while a
 * CPU thread is inside the mmu notifiers. Shared by the 5.2 and 5.3 teardown models: the notifier
 * core (SRCU read section and list walk) and the reclaim thread. The 5.2 routines of mm/hmm.c.
 *
 * Sources (mm/hmm.c of 5.2 is read from the `-` lines of the 5.3 series):
 * - J. Gunthorpe, "[PATCH v4 hmm 01/12] mm/hmm: fix use after free with struct hmm in the mmu
 *   notifiers" (24 Jun 2019, idx:22901006185): `-` lines give 5.2's hmm_free() (`kfree(hmm)`),
 *   hmm_release/hmm_invalidate_range_start/end taking `hmm = mm_get_hmm(mm)` with `VM_BUG_ON(!hmm)`.
 * - mm_get_hmm() of 5.2: `struct hmm *hmm = READ_ONCE(mm->hmm); if (hmm && kref_get_unless_zero(
 *   &hmm->kref)) return hmm; return NULL;`; hmm_free() of 5.2: mmu_notifier_unregister_no_release(
 *   &hmm->mmu_notifier, mm); under mm->page_table_lock `if (mm->hmm == hmm) mm->hmm = NULL;`; kfree(hmm)
 *   (the `-` lines of idx:22901006185 and of "mm/hmm: Simplify hmm_get_or_create and make it
 *   reliable" in the same series).
 * - hmm_mirror_unregister() of 5.2 (`-` lines of "[RFC PATCH 09/11] mm/hmm: Remove racy protection
 *   against double-unregistration", idx:22867051763): `hmm = READ_ONCE(mirror->hmm); if (hmm ==
 *   NULL) return; down_write(&hmm->mirrors_sem); list_del_init(&mirror->list); mirror->hmm = NULL;
 *   up_write(&hmm->mirrors_sem); hmm_put(hmm);`.
 * - hmm_invalidate_range_start/end of 5.2 (blockable case): see models/hmm/v5.2/hmm.ts; here only
 *   their struct hmm accesses are kept (no ranges, the mirror's sync callback is one step).
 * - mm/mmu_notifier.c (5.2): __mmu_notifier_invalidate_range_start/end: `id =
 *   srcu_read_lock(&srcu); hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist) if
 *   (mn->ops->invalidate_range_start) mn->ops->invalidate_range_start(mn, range); ...
 *   srcu_read_unlock(&srcu, id);`; mmu_notifier_unregister_no_release(): under
 *   mm->mmu_notifier_mm->lock `hlist_del_init_rcu(&mn->hlist)`, no SRCU grace period ("is not a
 *   fence", idx:22901006185).
 *
 * `mn` is `&hmm->mmu_notifier`, inside struct hmm: reading `mn->ops` touches struct hmm's memory,
 * and so does `kref_get_unless_zero(&hmm->kref)`. Every such access is a `use()` of its lifetime.
 */
import {
  call,
  down_read,
  down_write,
  kfree,
  kref_get_unless_zero,
  kref_put,
  label,
  mutex_lock,
  mutex_unlock,
  routine,
  spin_lock,
  spin_unlock,
  step,
  up_read,
  up_write,
  use,
  type Routine,
} from '../../../src/index.ts';
import type { TeardownShared as G } from './teardownState.ts';

/** `NULL pointer dereference`: mm_get_hmm() returned NULL and the notifier goes on to hmm->lock. */
export const NULL_DEREF = 'NULL pointer dereference';

type Hook = 'invalidate_range_start' | 'invalidate_range_end' | 'release';

/**
 * __mmu_notifier_invalidate_range_start/end(range): the SRCU read section and the walk of the mm's
 * notifier list, calling hmm's op when `hmm->mmu_notifier` is on it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mmuNotifierHook(hook: Hook, op: Routine<G, any>) {
  return routine<G>(hook === 'release' ? '__mmu_notifier_release' : `__mmu_notifier_${hook}`, {
    body: [
      step('id = srcu_read_lock(&srcu); hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', ({ g, goto }) => {
        g.srcu.readers += 1;
        if (!g.mmu_notifier_mm.listed) goto('done');
      }),
      step(`mn->ops->${hook}(mn, ${hook === 'release' ? 'mm' : 'range'})`, (c) => {
        use(c, c.g.hmm.life, `mn->ops->${hook}`);
        c.call(op, undefined);
      }),
      label('done'),
      step('srcu_read_unlock(&srcu, id)', ({ g }) => {
        g.srcu.readers -= 1;
      }),
    ],
  });
}

/** Page reclaim of the page: try_to_unmap_one() between the notifier brackets (no mmap_sem). */
export function reclaimThread(start: Routine<G, Record<string, never>>, end: Routine<G, Record<string, never>>) {
  return routine<G>('try_to_unmap_one', {
    body: [
      call(start),
      step('ptep_clear_flush(vma, address, pvmw.pte)', ({ g }) => {
        g.mm.pte = null;
      }),
      call(end),
    ],
  });
}

/** mmu_notifier_unregister_no_release(&hmm->mmu_notifier, mm): off the list, no grace period. */
const mmu_notifier_unregister_no_release = routine<G>('mmu_notifier_unregister_no_release', {
  body: [
    spin_lock('spin_lock(&mm->mmu_notifier_mm->lock)', (g) => g.mmu_notifier_mm.lock),
    step('hlist_del_init_rcu(&mn->hlist)', ({ g }) => {
      g.mmu_notifier_mm.listed = false;
    }),
    spin_unlock('spin_unlock(&mm->mmu_notifier_mm->lock)', (g) => g.mmu_notifier_mm.lock),
  ],
});

/** `if (mm->hmm == hmm) mm->hmm = NULL` under mm->page_table_lock (5.2 and 5.3 alike). */
export const clear_mm_hmm = routine<G>('hmm_free: mm->hmm = NULL', {
  body: [
    spin_lock('spin_lock(&mm->page_table_lock)', (g) => g.mm.page_table_lock),
    step('if (mm->hmm == hmm) mm->hmm = NULL', ({ g }) => {
      g.mm.hmm = false;
    }),
    spin_unlock('spin_unlock(&mm->page_table_lock)', (g) => g.mm.page_table_lock),
  ],
});

export { mmu_notifier_unregister_no_release };

/** static void hmm_free(struct kref *kref), 5.2: the memory goes at once. */
const hmm_free = routine<G>('hmm_free', {
  body: [
    call(mmu_notifier_unregister_no_release),
    call(clear_mm_hmm),
    step('kfree(hmm)', (c) => kfree(c, c.g.hmm.life, 'hmm_free()')),
  ],
});

/** hmm_put(hmm): `kref_put(&hmm->kref, hmm_free)`. */
export function hmmPut<L>(free: Routine<G, Record<string, never>>) {
  return step<G, L>('hmm_put(hmm)', (c) => {
    if (kref_put(c, c.g.hmm.kref, 'hmm_put(hmm)')) c.call(free, undefined);
  });
}

/** mm_get_hmm(mm) inlined into a notifier: two unlocked accesses, the second to struct hmm itself. */
const mmGetHmm = [
  step<G, { hmm: boolean }>('hmm = READ_ONCE(mm->hmm)', ({ g, my }) => {
    my.hmm = g.mm.hmm;
  }),
  step<G, { hmm: boolean }>('if (hmm && kref_get_unless_zero(&hmm->kref)) return hmm; return NULL', (c) => {
    if (!c.my.hmm) return;
    use(c, c.g.hmm.life, 'kref_get_unless_zero(&hmm->kref)');
    c.my.hmm = kref_get_unless_zero(c.g.hmm.kref);
  }),
];

const NULL_TEXT = 'mm_get_hmm() returned NULL: struct hmm is being freed, and the notifier dereferences it';

/** static int hmm_invalidate_range_start(mn, nrange), 5.2, blockable, as far as struct hmm goes. */
export const hmm_invalidate_range_start = routine<G, { hmm: boolean }>('hmm_invalidate_range_start', {
  locals: () => ({ hmm: false }),
  body: [
    ...mmGetHmm,
    step('VM_BUG_ON(!hmm)', (c) => c.assert(c.my.hmm, NULL_TEXT, NULL_DEREF)),
    mutex_lock('mutex_lock(&hmm->lock)', (g) => g.hmm.lock),
    step('hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) ...', (c) => {
      use(c, c.g.hmm.life, 'hmm->notifiers++');
      c.g.hmm.notifiers += 1;
      c.g.ghost.invalidations += 1;
    }),
    mutex_unlock('mutex_unlock(&hmm->lock)', (g) => g.hmm.lock),
    down_read('down_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step('list_for_each_entry(mirror, &hmm->mirrors, list) mirror->ops->sync_cpu_device_pagetables(mirror, &update)', (c) => {
      use(c, c.g.hmm.life, 'list_for_each_entry(mirror, &hmm->mirrors, list)');
    }),
    up_read('up_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    hmmPut(hmm_free),
  ],
});

/** static void hmm_invalidate_range_end(mn, nrange), 5.2. */
export const hmm_invalidate_range_end = routine<G, { hmm: boolean }>('hmm_invalidate_range_end', {
  locals: () => ({ hmm: false }),
  body: [
    ...mmGetHmm,
    step('VM_BUG_ON(!hmm)', (c) => c.assert(c.my.hmm, NULL_TEXT, NULL_DEREF)),
    mutex_lock('mutex_lock(&hmm->lock)', (g) => g.hmm.lock),
    step('hmm->notifiers--; if (!hmm->notifiers) { ... wake_up_all(&hmm->wq); }', (c) => {
      use(c, c.g.hmm.life, 'hmm->notifiers--');
      c.g.hmm.notifiers -= 1;
    }),
    mutex_unlock('mutex_unlock(&hmm->lock)', (g) => g.hmm.lock),
    hmmPut(hmm_free),
  ],
});

/** void hmm_mirror_unregister(mirror), 5.2. */
export const hmm_mirror_unregister = routine<G>('hmm_mirror_unregister', {
  body: [
    step('hmm = READ_ONCE(mirror->hmm); if (hmm == NULL) return', ({ g, ret }) => {
      if (!g.mirrors[0]!.hmm) ret();
    }),
    down_write('down_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step('list_del_init(&mirror->list); mirror->hmm = NULL', ({ g }) => {
      g.mirrors[0]!.listed = false;
      g.mirrors[0]!.hmm = false;
    }),
    up_write('up_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    hmmPut(hmm_free),
  ],
});

export const reclaim = reclaimThread(
  mmuNotifierHook('invalidate_range_start', hmm_invalidate_range_start),
  mmuNotifierHook('invalidate_range_end', hmm_invalidate_range_end),
);

/**
 * static void hmm_release(struct mmu_notifier *mn, struct mm_struct *mm), 5.2 (`-` lines of J.
 * Gunthorpe, "[PATCH v4 hmm 11/12] mm/hmm: Remove confusing comment and logic from hmm_release",
 * 24 Jun 2019, idx:22687849745, and of 01/12): mirrors_sem is dropped around each mirror's release
 * callback ("so the release callback can wait on any pending work that might itself trigger a
 * mmu_notifier callback").
 */
export const hmm_release = routine<G, { hmm: boolean; m: number }>('hmm_release', {
  locals: () => ({ hmm: false, m: -1 }),
  body: [
    ...mmGetHmm,
    step('/* Report this HMM as dying. */ hmm->dead = true', (c) => {
      c.assert(c.my.hmm, NULL_TEXT, NULL_DEREF);
      use(c, c.g.hmm.life, 'hmm->dead = true');
      c.g.hmm.dead = true;
    }),
    mutex_lock('mutex_lock(&hmm->lock)', (g) => g.hmm.lock),
    step('list_for_each_entry(range, &hmm->ranges, list) range->valid = false; wake_up_all(&hmm->wq)', (c) => {
      use(c, c.g.hmm.life, 'list_for_each_entry(range, &hmm->ranges, list)');
    }),
    mutex_unlock('mutex_unlock(&hmm->lock)', (g) => g.hmm.lock),
    down_write('down_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    label('next'),
    step('mirror = list_first_entry_or_null(&hmm->mirrors, struct hmm_mirror, list); while (mirror)', ({ g, my, goto }) => {
      my.m = g.mirrors.findIndex((m) => m.listed);
      if (my.m < 0) goto('done');
    }),
    step('list_del_init(&mirror->list); if (mirror->ops->release)', (c) => {
      const mirror = c.g.mirrors[c.my.m]!;
      use(c, mirror.life, 'list_del_init(&mirror->list)');
      mirror.listed = false;
    }),
    up_write('up_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step('mirror->ops->release(mirror)', (c) => {
      use(c, c.g.mirrors[c.my.m]!.life, 'mirror->ops->release(mirror)');
      c.g.ghost.releases += 1;
    }),
    down_write('down_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem, { then: 'next' }),
    label('done'),
    up_write('up_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    hmmPut(hmm_free),
  ],
});

/** The driver's teardown: hmm_mirror_unregister(&mirror), then kfree() of the structure that embeds the mirror. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function driverTeardown(unregister: Routine<G, any>) {
  return routine<G>('driver_teardown', {
    body: [call(unregister), step('kfree(mirror)', (c) => kfree(c, c.g.mirrors[0]!.life, 'kfree(mirror)'))],
  });
}

/**
 * exit_mmap() → mmu_notifier_release(mm) → __mmu_notifier_release(): calls each notifier's
 * release under srcu_read_lock, then takes the notifiers off the list (the closing
 * synchronize_srcu() only waits, and is left out).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function exitMmap(release: Routine<G, any>) {
  return routine<G>('exit_mmap', {
    body: [
      call(mmuNotifierHook('release', release)),
      spin_lock('spin_lock(&mm->mmu_notifier_mm->lock)', (g) => g.mmu_notifier_mm.lock),
      step('while (!hlist_empty(&mm->mmu_notifier_mm->list)) hlist_del_init_rcu(&mn->hlist)', ({ g }) => {
        g.mmu_notifier_mm.listed = false;
      }),
      spin_unlock('spin_unlock(&mm->mmu_notifier_mm->lock)', (g) => g.mmu_notifier_mm.lock),
    ],
  });
}
