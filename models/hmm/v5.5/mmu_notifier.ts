/**
 * The Linux 5.5 interval-tree mmu notifier (mm/mmu_notifier.c, include/linux/mmu_notifier.h), as
 * routines shared by the 5.5 models.
 *
 * Sources:
 * - mm/mmu_notifier.c of Linux 5.5 (copy idx:866640179, the text merged from J. Gunthorpe,
 *   "[PATCH v3 hmm 02/14] mm/mmu_notifier: add an interval tree notifier", Nov 2019, with the
 *   review fix-ups he squashed in on 23 Nov 2019, idx:9610485209): mn_itree_inv_start_range,
 *   mn_itree_inv_end, mmu_interval_read_begin, mn_itree_invalidate,
 *   __mmu_interval_notifier_insert, mmu_interval_notifier_remove.
 * - include/linux/mmu_notifier.h of 5.5: mmu_interval_set_seq (`WRITE_ONCE(mni->invalidate_seq,
 *   cur_seq)`), mmu_interval_read_retry (`mni->invalidate_seq != seq`), mmu_interval_check_retry
 *   (the same with READ_ONCE); L. Torvalds and J. Gunthorpe discuss exactly these lines in the 5.5
 *   pull thread (30 Nov / 3 Dec 2019, idx:9391044726, idx:9612793110).
 *
 * Granularity as in the 5.2 models: each lock operation is a step; what a lock protects runs as
 * one step while it is held. `mmn_mm->lock` is a spinlock, so nothing between spin_lock and
 * spin_unlock may sleep (the checker enforces it).
 *
 * Simplifications: `mm->mmu_notifier_mm->has_itree` is taken as already set (the
 * mmu_notifier_register(NULL, mm) path of the first insert, which takes mmap_sem for write, is not
 * modelled); ranges are pages [start, end) and "overlaps" is interval intersection; the tree walk
 * (interval_tree_iter_first/next) is the list of notifiers in the tree that overlap, taken when
 * the walk starts: the tree cannot change while invalidate_seq is odd (inserts and removes are
 * deferred), and when it is even no notifier was hit and the walk is empty.
 */
import type { Draft } from 'immer';
import { label, routine, spin_lock, spin_unlock, step, use, wait_event, wakeUpAll } from '../../../src/index.ts';
import { mni_invalidate } from './ops.ts';
import type { Shared } from './state.ts';
import { local, MMN_LOCK, onLock } from './footprints.ts';

type Mni = { r: number };
type Range = { start: number; end: number };

const lock = (g: Shared) => g.mmn_mm.lock;
const overlaps = (a: Range, b: Range): boolean => a.start < b.end && b.start < a.end;

/** `mn_itree_is_invalidating()`: `mmn_mm->invalidate_seq & 1`. */
export const isInvalidating = (g: Shared | Draft<Shared>): boolean => (g.mmn_mm.invalidate_seq & 1) === 1;

/**
 * int mmu_interval_notifier_insert(mni, mm, start, length, ops) → __mmu_interval_notifier_insert():
 * while an invalidation is running the new notifier either joins the tree (forcing the sequence odd)
 * or, if the tree is being walked, goes on the deferred list; either way it starts with the odd
 * current sequence, so its first read_begin waits for the invalidation to end.
 */
export const mmu_interval_notifier_insert = routine<Shared, Mni, Mni>('mmu_interval_notifier_insert', {
  locals: ({ r }) => ({ r }),
  body: [
    spin_lock('spin_lock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK) }),
    step(
      'if (mmn_mm->active_invalidate_ranges) { if (mn_itree_is_invalidating(mmn_mm)) hlist_add_head(&mni->deferred_item, &mmn_mm->deferred_list); else { mmn_mm->invalidate_seq |= 1; interval_tree_insert(); } mni->invalidate_seq = mmn_mm->invalidate_seq; } else { mni->invalidate_seq = mmn_mm->invalidate_seq - 1; interval_tree_insert(); }',
      ({ g, my }) => {
        const mni = g.mni[my.r]!;
        const mm = g.mmn_mm;
        if (mm.active_invalidate_ranges > 0) {
          if (isInvalidating(g)) mni.deferred = true;
          else {
            mm.invalidate_seq |= 1;
            mni.inTree = true;
          }
          mni.invalidate_seq = mm.invalidate_seq;
        } else {
          mni.invalidate_seq = mm.invalidate_seq - 1;
          mni.inTree = true;
        }
        g.ghost.inserted[my.r]! += 1;
      },
      {
        footprint: (tid) => ({
          reads: ['mmn_mm.active_invalidate_ranges', 'mmn_mm.invalidate_seq'],
          writes: ['mmn_mm.invalidate_seq', `mni.${tid}.deferred`, `mni.${tid}.inTree`, `mni.${tid}.invalidate_seq`, `ghost.inserted.${tid}`],
          holding: [MMN_LOCK],
        }),
      },
    ),
    spin_unlock('spin_unlock(&mmn_mm->lock); return 0', lock, { footprint: onLock(MMN_LOCK, [MMN_LOCK]) }),
  ],
});

/**
 * void mmu_interval_notifier_remove(mni): "Once this returns ops callbacks are no longer running on
 * other CPUs and will not be called in future." While the tree is being walked the removal is
 * deferred and the caller waits for the sequence to move past the invalidation.
 */
export const mmu_interval_notifier_remove = routine<Shared, Mni & { seq: number }, Mni>('mmu_interval_notifier_remove', {
  locals: ({ r }) => ({ r, seq: 0 }),
  body: [
    spin_lock('spin_lock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK) }),
    step(
      'if (mn_itree_is_invalidating(mmn_mm)) { if (RB_EMPTY_NODE(&mni->interval_tree.rb)) hlist_del(&mni->deferred_item); else { hlist_add_head(&mni->deferred_item, &mmn_mm->deferred_list); seq = mmn_mm->invalidate_seq; } } else interval_tree_remove(&mni->interval_tree, &mmn_mm->itree)',
      ({ g, my }) => {
        const mni = g.mni[my.r]!;
        g.ghost.removed[my.r]! += 1;
        if (isInvalidating(g)) {
          if (!mni.inTree) mni.deferred = false;
          else {
            mni.deferred = true;
            my.seq = g.mmn_mm.invalidate_seq;
          }
        } else mni.inTree = false;
      },
      {
        footprint: (tid) => ({
          reads: ['mmn_mm.invalidate_seq', `mni.${tid}.inTree`],
          writes: [`ghost.removed.${tid}`, `mni.${tid}.deferred`, `mni.${tid}.inTree`],
          holding: [MMN_LOCK],
        }),
      },
    ),
    spin_unlock('spin_unlock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK, [MMN_LOCK]) }),
    wait_event(
      'if (seq) wait_event(mmn_mm->wq, READ_ONCE(mmn_mm->invalidate_seq) != seq)',
      (g) => g.mmn_mm.wq,
      (g, my) => my.seq === 0 || g.mmn_mm.invalidate_seq !== my.seq,
      { footprint: { reads: ['mmn_mm.wq', 'mmn_mm.invalidate_seq'], writes: ['mmn_mm.wq'] } },
    ),
  ],
});

/** unsigned long mmu_interval_read_begin(mni): the sequence to pass to mmu_interval_read_retry(). */
export const mmu_interval_read_begin = routine<Shared, Mni & { seq: number; is_invalidating: boolean }, Mni>('mmu_interval_read_begin', {
  locals: ({ r }) => ({ r, seq: 0, is_invalidating: false }),
  body: [
    spin_lock('spin_lock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK) }),
    step('seq = READ_ONCE(mni->invalidate_seq); is_invalidating = seq == mmn_mm->invalidate_seq', (c) => {
      const mni = c.g.mni[c.my.r]!;
      use(c, mni.life, 'READ_ONCE(mni->invalidate_seq)');
      c.my.seq = mni.invalidate_seq;
      c.my.is_invalidating = c.my.seq === c.g.mmn_mm.invalidate_seq;
    }, { footprint: (tid) => ({ reads: [`mni.${tid}.life`, `mni.${tid}.invalidate_seq`, 'mmn_mm.invalidate_seq'], holding: [MMN_LOCK] }) }),
    spin_unlock('spin_unlock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK, [MMN_LOCK]) }),
    wait_event(
      'if (is_invalidating) wait_event(mmn_mm->wq, READ_ONCE(mmn_mm->invalidate_seq) != seq)',
      (g) => g.mmn_mm.wq,
      (g, my) => !my.is_invalidating || g.mmn_mm.invalidate_seq !== my.seq,
      { footprint: { reads: ['mmn_mm.wq', 'mmn_mm.invalidate_seq'], writes: ['mmn_mm.wq'] } },
    ),
    step('return seq', ({ my, ret }) => ret(my.seq), { footprint: local() }),
  ],
});

/** static inline bool mmu_interval_read_retry(mni, seq): the caller holds its user lock. */
export const mmu_interval_read_retry = (g: Shared, r: number, seq: number): boolean => g.mni[r]!.invalidate_seq !== seq;

interface InvalidateLocals extends Range {
  /** Notifiers the tree walk visits, in order, and how many have been called. */
  readonly hits: readonly number[];
  readonly next: number;
  readonly cur_seq: number;
}

/**
 * static int mn_itree_invalidate(mmn_mm, range), blockable (munmap, reclaim): start the write side
 * in mn_itree_inv_start_range(), then call each overlapping notifier's ops->invalidate().
 */
export const mn_itree_invalidate = routine<Shared, InvalidateLocals, Range>('mn_itree_invalidate', {
  locals: (r) => ({ ...r, hits: [], next: 0, cur_seq: 0 }),
  body: [
    spin_lock('mn_itree_inv_start_range: spin_lock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK) }),
    step(
      'mmn_mm->active_invalidate_ranges++; node = interval_tree_iter_first(&mmn_mm->itree, range->start, range->end - 1); if (node) mmn_mm->invalidate_seq |= 1; *seq = mmn_mm->invalidate_seq',
      ({ g, my }) => {
        const mm = g.mmn_mm;
        mm.active_invalidate_ranges += 1;
        const hits: number[] = [];
        g.mni.forEach((mni, r) => {
          if (mni.inTree && overlaps(mni, my)) hits.push(r);
        });
        if (hits.length > 0) mm.invalidate_seq |= 1;
        my.hits = hits;
        my.cur_seq = mm.invalidate_seq;
      },
      { footprint: { reads: ['mmn_mm.active_invalidate_ranges', 'mmn_mm.invalidate_seq', 'mni'], writes: ['mmn_mm.active_invalidate_ranges', 'mmn_mm.invalidate_seq'], holding: [MMN_LOCK] } },
    ),
    spin_unlock('mn_itree_inv_start_range: spin_unlock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK, [MMN_LOCK]) }),
    step(
      'for (mni = ...; mni; mni = mn_itree_inv_next(mni, range)) ret = mni->ops->invalidate(mni, range, cur_seq)',
      ({ my, call, goto, ret }) => {
        if (my.next >= my.hits.length) {
          ret(0);
          return;
        }
        const r = my.hits[my.next]!;
        my.next += 1;
        goto('walk');
        call(mni_invalidate, { r, start: my.start, end: my.end, cur_seq: my.cur_seq });
      },
      { name: 'walk', footprint: { calls: [mni_invalidate] } },
    ),
  ],
});

/** static void mn_itree_inv_end(mmn_mm): the last end makes the sequence even, runs deferred inserts/removes, wakes waiters. */
/** The range is __mmu_notifier_invalidate_range_end()'s; mn_itree_inv_end itself does not look at it. */
export const mn_itree_inv_end = routine<Shared, Record<string, never>, Range>('mn_itree_inv_end', {
  body: [
    spin_lock('spin_lock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK) }),
    step(
      'if (--mmn_mm->active_invalidate_ranges || !mn_itree_is_invalidating(mmn_mm)) { spin_unlock; return; } mmn_mm->invalidate_seq++; hlist_for_each_entry_safe(mni, next, &mmn_mm->deferred_list, deferred_item) interval_tree_insert/remove; hlist_del',
      ({ g, goto }) => {
        const mm = g.mmn_mm;
        mm.active_invalidate_ranges -= 1;
        if (mm.active_invalidate_ranges > 0 || !isInvalidating(g)) {
          goto('busy');
          return;
        }
        mm.invalidate_seq += 1;
        for (const mni of g.mni) {
          if (!mni.deferred) continue;
          mni.inTree = !mni.inTree;
          mni.deferred = false;
        }
      },
      { footprint: { reads: ['mmn_mm.active_invalidate_ranges', 'mmn_mm.invalidate_seq', 'mni'], writes: ['mmn_mm.active_invalidate_ranges', 'mmn_mm.invalidate_seq', 'mni'], holding: [MMN_LOCK] } },
    ),
    spin_unlock('spin_unlock(&mmn_mm->lock)', lock, { footprint: onLock(MMN_LOCK, [MMN_LOCK]) }),
    step(
      'wake_up_all(&mmn_mm->wq)',
      ({ g, ret }) => {
        wakeUpAll(g.mmn_mm.wq);
        ret();
      },
      { footprint: { reads: ['mmn_mm.wq'], writes: ['mmn_mm.wq'] } },
    ),
    label('busy'),
    spin_unlock('spin_unlock(&mmn_mm->lock); return', lock, { footprint: onLock(MMN_LOCK, [MMN_LOCK]) }),
  ],
});
