/**
 * hmm/v5.2-rc-v1-nonblocking-deadlock and hmm/v5.2-rc-v2-nonblocking — hmm_invalidate_range_start()
 * of the seed series "mm/hmm: improve driver API to work and wait over a range" before and after
 * Dan Carpenter's fix (hmm.md scenario 1).
 *
 * v1 (J. Glisse's v1 series, January 2019; linux-next mm/hmm.c e14e0aa4d2cb, lines 207-231), the
 * `-` lines of D. Carpenter, "[PATCH v2] mm/hmm: potential deadlock in nonblocking code",
 * <20190204182304.GA8756@kadam>, 4 Feb 2019:
 *
 *   update.blockable = nrange->blockable;
 *   if (!nrange->blockable && !mutex_trylock(&hmm->lock)) {
 *           ret = -EAGAIN;
 *           goto out;
 *   } else
 *           mutex_lock(&hmm->lock);
 *   hmm->notifiers++; ... mutex_unlock(&hmm->lock);
 *   if (!nrange->blockable && !down_read_trylock(&hmm->mirrors_sem)) {
 *           ret = -EAGAIN;
 *           goto out;
 *   } else
 *           down_read(&hmm->mirrors_sem);
 *   list_for_each_entry(mirror, &hmm->mirrors, list) { ... }   (models/hmm/v5.2/hmm.ts mirrorLoop52)
 *
 * v2 (the `+` lines of the same mail; squashed into "[PATCH v2 06/11] mm/hmm: improve driver API
 * to work and wait over a range v2", J. Glisse, 25 Mar 2019: "Changes since v1: squashed: Dan
 * Carpenter: potential deadlock in nonblocking code"; this is the 5.2 text):
 *
 *   if (nrange->blockable)
 *           mutex_lock(&hmm->lock);
 *   else if (!mutex_trylock(&hmm->lock)) {
 *           ret = -EAGAIN;
 *           goto out;
 *   }
 *   (and the same for mirrors_sem with down_read / down_read_trylock)
 *
 * Expected verdicts, from the record (not from a run):
 * - v1: deadlock. Dan Carpenter: "if we're in non-blocking mode and we succeed in taking the lock
 *   then we do the else statement. The else side tries to take lock a second time which results
 *   in a deadlock." The first shape is the self-deadlock on hmm->lock (a mutex is not recursive).
 * - v1 with `-p keep=mirrors_sem` (only the mirrors_sem hunk of v1 kept, a what-if that isolates
 *   Dan's second shape): the successful down_read_trylock is followed by a second down_read, and
 *   the single up_read leaves a read hold behind, so the reaper exits holding mirrors_sem
 *   ("lock discipline: no lock held at exit"); any later down_write on mirrors_sem
 *   (hmm_mirror_register/unregister, hmm_release) then waits forever, and a writer that queues
 *   between the two reads deadlocks them at once (models/hmm/invalidate.test.ts checks that form).
 * - v2: pass, with the same actors (OOM reaper nonblocking, reclaim blockable) and properties.
 *   v2 is 5.2's code, so its two other error-flow bugs remain; they need a writer on mirrors_sem
 *   or a busy device lock, which these actors do not have: see hmm/v5.2-nonblocking-*.
 */
import {
  defineModel,
  down_read,
  down_read_trylock,
  label,
  mutex_lock,
  mutex_trylock,
  mutex_unlock,
  routine,
  step,
  call,
  type AnyRoutine,
  type Line,
} from '../../../src/index.ts';
import { LOCK_HELD_AT_EXIT } from '../../../properties/lockDiscipline.ts';
import {
  NOTIFIERS_INC,
  countInvalidation,
  eagainIfNotTaken,
  hmm_invalidate_range_end,
  mirrorLoop52,
  nonblockLocals,
  sync_cpu_device_pagetables,
  sync_cpu_device_pagetables_nonblock,
  type NonblockLocals,
  type Update,
} from '../v5.2/hmm.ts';
import { initialShared52, mirrorUnregister, oomProperties, oomReaper, reclaimer } from '../v5.2/oom.ts';
import type { Shared } from '../v5.2/state.ts';

/** Which text of a hunk: the v1 if/else, or Dan Carpenter's fix (v2 and 5.2). */
export type Hunk = 'v1' | 'v2';

type L = NonblockLocals;
const hmmLock = (g: Shared) => g.hmm.lock;
const mirrorsSem = (g: Shared) => g.hmm.mirrors_sem;

function takeHmmLock(hunk: Hunk, blockable: boolean): Line<Shared, L>[] {
  if (hunk === 'v1')
    return [
      step<Shared, L>('if (!nrange->blockable && …', ({ goto }) => {
        if (blockable) goto('else_lock');
      }),
      mutex_trylock('… && !mutex_trylock(&hmm->lock))', hmmLock, 'took'),
      eagainIfNotTaken('{ ret = -EAGAIN; goto out; }'),
      mutex_lock('} else mutex_lock(&hmm->lock);', hmmLock, { name: 'else_lock' }),
    ];
  return [
    step<Shared, L>('if (nrange->blockable)', ({ goto }) => {
      if (!blockable) goto('trylock');
    }),
    mutex_lock('mutex_lock(&hmm->lock);', hmmLock, { then: 'locked' }),
    mutex_trylock('mutex_trylock(&hmm->lock)', hmmLock, 'took', { name: 'trylock' }),
    eagainIfNotTaken('else if (!mutex_trylock(&hmm->lock)) { ret = -EAGAIN; goto out; }'),
    label('locked'),
  ];
}

function takeMirrorsSem(hunk: Hunk, blockable: boolean): Line<Shared, L>[] {
  if (hunk === 'v1')
    return [
      step<Shared, L>('if (!nrange->blockable && …', ({ goto }) => {
        if (blockable) goto('else_down_read');
      }),
      down_read_trylock('… && !down_read_trylock(&hmm->mirrors_sem))', mirrorsSem, 'took'),
      eagainIfNotTaken('{ ret = -EAGAIN; goto out; }'),
      down_read('} else down_read(&hmm->mirrors_sem);', mirrorsSem, { name: 'else_down_read' }),
    ];
  return [
    step<Shared, L>('if (nrange->blockable)', ({ goto }) => {
      if (!blockable) goto('down_read_trylock');
    }),
    down_read('down_read(&hmm->mirrors_sem);', mirrorsSem, { then: 'read_locked' }),
    down_read_trylock('down_read_trylock(&hmm->mirrors_sem)', mirrorsSem, 'took', { name: 'down_read_trylock' }),
    eagainIfNotTaken('else if (!down_read_trylock(&hmm->mirrors_sem)) { ret = -EAGAIN; goto out; }'),
    label('read_locked'),
  ];
}

/** hmm_invalidate_range_start of the seed series for a blockable or a nonblocking `nrange`. */
export function rcInvalidateRangeStart(hunks: { readonly lock: Hunk; readonly sem: Hunk }, blockable: boolean) {
  const sync: AnyRoutine = blockable ? sync_cpu_device_pagetables : sync_cpu_device_pagetables_nonblock;
  return routine<Shared, L, Update>('hmm_invalidate_range_start', {
    locals: nonblockLocals,
    body: [
      ...takeHmmLock(hunks.lock, blockable),
      step(NOTIFIERS_INC, ({ g, my }) => countInvalidation(g, my)),
      mutex_unlock('mutex_unlock(&hmm->lock);', hmmLock),
      ...takeMirrorsSem(hunks.sem, blockable),
      ...mirrorLoop52<L>(call(sync, (_g, my: L) => ({ start: my.start, end: my.end }), { into: 'loopRet' })),
    ],
  });
}

/** The seed-series model: the OOM reaper (nonblocking) and reclaim (blockable) on page 0; `mirror2` adds a writer on mirrors_sem. */
export function rcSpec(hunks: { readonly lock: Hunk; readonly sem: Hunk }, options: { mirror2?: boolean } = {}) {
  const range = { start: 0, end: 1 };
  return {
    shared: initialShared52(),
    actors: [
      { name: 'oom_reaper', routine: oomReaper(rcInvalidateRangeStart(hunks, false), hmm_invalidate_range_end), args: range },
      { name: 'reclaim', routine: reclaimer(rcInvalidateRangeStart(hunks, true), hmm_invalidate_range_end), args: range },
      ...(options.mirror2 ? [{ name: 'mirror2', routine: mirrorUnregister('5.2') }] : []),
    ],
    properties: oomProperties(),
  };
}

const SOURCES = [
  'D. Carpenter, "[PATCH v2] mm/hmm: potential deadlock in nonblocking code", <20190204182304.GA8756@kadam>, 4 Feb 2019 (mm/hmm.c e14e0aa4d2cb)',
  'J. Glisse, "[PATCH v2 06/11] mm/hmm: improve driver API to work and wait over a range v2", 25 Mar 2019 (fix squashed)',
  'include/linux/hmm.h @897e6365cda6: sync_cpu_device_pagetables contract (lines 427-444)',
  'mm/oom_kill.c __oom_reap_task_mm (2019), mm/rmap.c try_to_unmap_one',
];

export const v1NonblockingDeadlock = defineModel({
  name: 'hmm/v5.2-rc-v1-nonblocking-deadlock',
  description: 'Seed series v1: a successful nonblocking trylock falls into the else branch and locks hmm->lock again',
  params: { keep: 'both' },
  expected: ({ keep }) => (keep === 'mirrors_sem' ? { verdict: 'violation', property: LOCK_HELD_AT_EXIT } : { verdict: 'deadlock' }),
  sources: SOURCES,
  build: ({ keep }) => {
    if (keep !== 'both' && keep !== 'mirrors_sem') throw new Error('keep must be "both" or "mirrors_sem"');
    return rcSpec({ lock: keep === 'both' ? 'v1' : 'v2', sem: 'v1' });
  },
});

export const v2Nonblocking = defineModel({
  name: 'hmm/v5.2-rc-v2-nonblocking',
  description: 'Seed series v2 (Dan Carpenter\'s fix, the 5.2 text): nonblocking trylock or -EAGAIN, no second lock',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => rcSpec({ lock: 'v2', sem: 'v2' }),
});
