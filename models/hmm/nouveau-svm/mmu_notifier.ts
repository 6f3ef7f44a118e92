/**
 * The mmu-notifier core after 5.5 (mm/mmu_notifier.c): how one invalidation reaches the interval
 * tree and the hlist subscribers, in each version the models compare.
 *
 * Sources read:
 * - Linux 5.5 to 5.11: __mmu_notifier_invalidate_range_start() calls mn_itree_invalidate() (if
 *   has_itree) and, if that returns 0, mn_hlist_invalidate_range_start(), which calls every
 *   subscriber's invalidate_range_start and returns the last error; mn_itree_invalidate() on a
 *   callback's `false` runs mn_itree_inv_end() itself ("On -EAGAIN the non-blocking caller is not
 *   allowed to call invalidate_range_end()") and returns -EAGAIN. Stored torvalds/linux copy
 *   @c2818c9a0876 (5.8-era names, same code).
 * - Linux 5.12 and later: c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with
 *   range_start()" (S. Christopherson, merged for 5.12-rc3, Cc stable) adds to
 *   mn_hlist_invalidate_range_start: `if (ret) { hlist_for_each_entry_rcu(...) { if
 *   (!subscription->ops->invalidate_range_end) continue; subscription->ops->
 *   invalidate_range_end(subscription, range); } }` ("If there are multiple notifiers and one or
 *   more failed start, any that succeeded start are expecting their end to be called. Do so
 *   now."). __mmu_notifier_invalidate_range_start is unchanged: a 6.x copy (after "mmu_notifiers:
 *   remove invalidate_range", 6.6) still reads `if (subscriptions->has_itree) { ret =
 *   mn_itree_invalidate(subscriptions, range); if (ret) return ret; } if (!hlist_empty(...))
 *   return mn_hlist_invalidate_range_start(subscriptions, range);`. Nothing ends the interval
 *   tree's write side when an hlist subscriber fails after mn_itree_invalidate succeeded.
 * - `unwind: 'itree'` is a candidate, in no kernel: the same step c2655835fd8c takes for the
 *   hlist, taken for the interval tree too (mn_itree_inv_end() when the hlist start fails after
 *   the tree's succeeded). Modelled to show that it closes the leak, not because anyone merged it.
 * - `order: 'hlist-first'` is hypothetical: no kernel calls the hlist before the tree. It is the
 *   other order nouveau's comment depends on not happening.
 *
 * One interval notifier (r = 0); the tree walk is "is it in the tree and does it overlap".
 */
import { call, label, routine, step, type AnyRoutine } from '../../../src/index.ts';
import { mn_itree_inv_end } from '../v5.5/mmu_notifier.ts';
import { EAGAIN, type NvShared } from './state.ts';
import type { Range } from './subscribers.ts';

/** Which subscribers the mm has and which core text dispatches to them. */
export interface CoreConfig {
  /** The interval notifier's ops->invalidate, or null when no interval notifier is used (has_itree unset). */
  readonly interval: AnyRoutine | null;
  /** hlist subscribers, in list order: their invalidate_range_start and (or null) invalidate_range_end. */
  readonly hlist: readonly { readonly start: AnyRoutine; readonly end: AnyRoutine | null }[];
  /** Which kernel's failure path: 'none' (5.5 to 5.11), 'hlist' (5.12+, c2655835fd8c), 'itree' (5.12+ and the candidate). */
  readonly unwind: 'none' | 'hlist' | 'itree';
  readonly order: 'itree-first' | 'hlist-first';
}

type ItreeLocals = Range & { readonly hit: boolean; readonly cur_seq: number; readonly ok: boolean };

/** static int mn_itree_invalidate(subscriptions, range) over one notifier. */
function mn_itree_invalidate(callback: AnyRoutine) {
  return routine<NvShared, ItreeLocals, Range>('mn_itree_invalidate', {
    locals: (r) => ({ ...r, hit: false, cur_seq: 0, ok: false }),
    body: [
      step(
        'mn_itree_inv_start_range: spin_lock; active_invalidate_ranges++; node = interval_tree_iter_first(); if (node) invalidate_seq |= 1; *seq = invalidate_seq; spin_unlock',
        ({ g, my }) => {
          const mm = g.mmn_mm;
          mm.active_invalidate_ranges += 1;
          const mni = g.mni[0]!;
          my.hit = mni.inTree && mni.start < my.end && my.start < mni.end;
          if (my.hit) mm.invalidate_seq |= 1;
          my.cur_seq = mm.invalidate_seq;
        },
      ),
      step('for (interval_sub = mn_itree_inv_start_range(...); interval_sub; ...)  /* no overlapping notifier: return 0 */', ({ my, ret }) => {
        if (!my.hit) ret(0);
      }),
      call(callback, (_g: NvShared, my: ItreeLocals) => ({ r: 0, start: my.start, end: my.end, blockable: my.blockable, cur_seq: my.cur_seq }), { into: 'ok' }),
      step('if (!ret) { if (WARN_ON(mmu_notifier_range_blockable(range))) continue; goto out_would_block; } return 0', ({ my, ret }) => {
        if (my.ok || my.blockable) ret(0);
      }),
      call(mn_itree_inv_end, { start: 0, end: 0 }),
      step('out_would_block: return -EAGAIN', ({ ret }) => ret(EAGAIN)),
    ],
  });
}

type StartLocals = Range & { readonly ret: number; readonly rc: number };
const rangeOf = (_g: NvShared, my: StartLocals): Range => ({ start: my.start, end: my.end, blockable: my.blockable });

/** int __mmu_notifier_invalidate_range_start(range), built for one configuration. */
export function invalidateRangeStart(cfg: CoreConfig) {
  const itree = cfg.interval
    ? [
        call<NvShared, StartLocals, Range>(mn_itree_invalidate(cfg.interval), rangeOf, { into: 'rc' }),
        step<NvShared, StartLocals>('if (subscriptions->has_itree) { ret = mn_itree_invalidate(); if (ret) return ret; }', ({ my, ret }) => {
          if (my.rc !== 0) ret(my.rc);
        }),
      ]
    : [];
  const hlist = cfg.hlist.flatMap((sub, i) => [
    call<NvShared, StartLocals, Range>(sub.start, rangeOf, { into: 'rc' }),
    step<NvShared, StartLocals>(`mn_hlist_invalidate_range_start: _ret = ops->invalidate_range_start(subscription, range)  /* ${sub.start.name} */; if (_ret) ret = _ret`, ({ my }) => {
      if (my.rc !== 0) my.ret = my.rc;
    }, { name: `hlist${i}` }),
  ]);
  const ends = cfg.hlist.filter((s) => s.end !== null).map((s) => call<NvShared, StartLocals, Range>(s.end!, rangeOf));
  const unwind =
    cfg.unwind === 'none'
      ? []
      : [
          step<NvShared, StartLocals>('if (ret) { /* c2655835fd8c: any that succeeded start are expecting their end */', ({ my, goto }) => {
            if (my.ret === 0) goto('done');
          }),
          ...ends,
          ...(cfg.unwind === 'itree' && cfg.interval ? [call(mn_itree_inv_end, { start: 0, end: 0 })] : []),
        ];
  const parts = cfg.order === 'itree-first' ? [...itree, ...hlist, ...unwind] : [...hlist, ...unwind, ...itree];
  return routine<NvShared, StartLocals, Range>('__mmu_notifier_invalidate_range_start', {
    locals: (r) => ({ ...r, ret: 0, rc: 0 }),
    body: [...parts, label('done'), step('return ret', ({ my, ret }) => ret(my.ret))],
  });
}

/** void __mmu_notifier_invalidate_range_end(range): mn_itree_inv_end, then every hlist subscriber's end. */
export function invalidateRangeEnd(cfg: CoreConfig) {
  const ends = cfg.hlist.filter((s) => s.end !== null).map((s) => call<NvShared, Range, Range>(s.end!, (_g, my) => ({ ...my })));
  return routine<NvShared, Range, Range>('__mmu_notifier_invalidate_range_end', {
    locals: (r) => ({ ...r }),
    body: [...(cfg.interval ? [call(mn_itree_inv_end, { start: 0, end: 0 })] : []), ...ends, step('return', () => {})],
  });
}

/**
 * The two entry points include/linux/mmu_notifier.h gives callers: mmu_notifier_invalidate_range_start()
 * (blockable: munmap, reclaim) and mmu_notifier_invalidate_range_start_nonblock() (the OOM reaper),
 * both `__mmu_notifier_invalidate_range_start(range)` with or without MMU_NOTIFIER_RANGE_BLOCKABLE.
 */
export function entryPoints(cfg: CoreConfig) {
  const start = invalidateRangeStart(cfg);
  const entry = (name: string, blockable: boolean) =>
    routine<NvShared, { start: number; end: number; ret: number }, { start: number; end: number }>(name, {
      locals: (a) => ({ ...a, ret: 0 }),
      body: [
        call<NvShared, { start: number; end: number; ret: number }, Range>(start, (_g, my) => ({ start: my.start, end: my.end, blockable }), { into: 'ret' }),
        step('return ret', ({ my, ret }) => ret(my.ret)),
      ],
    });
  const endRoutine = invalidateRangeEnd(cfg);
  const end = routine<NvShared, { start: number; end: number }, { start: number; end: number }>('mmu_notifier_invalidate_range_end', {
    locals: (a) => ({ ...a }),
    body: [call(endRoutine, (_g: NvShared, my: { start: number; end: number }) => ({ start: my.start, end: my.end, blockable: true }))],
  });
  return {
    blocking: entry('mmu_notifier_invalidate_range_start', true),
    nonblocking: entry('mmu_notifier_invalidate_range_start_nonblock', false),
    end,
  };
}

