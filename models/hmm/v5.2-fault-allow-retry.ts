/**
 * hmm/v5.2-fault-allow-retry and hmm/v5.3-fault-allow-retry — hmm_range_fault(range, block =
 * true) faulting in a page whose page lock another thread holds (read I/O in flight), before and
 * after F. Kuehling's "mm/hmm: Only set FAULT_FLAG_ALLOW_RETRY for non-blocking" (posted in C.
 * Hellwig's series as "[PATCH 05/22]", 1 Jul 2019; merged for 5.3): "Don't set this flag by
 * default in hmm_vma_do_fault. It is set conditionally just a few lines below. Setting it
 * unconditionally can lead to handle_mm_fault doing a non-blocking fault, returning -EBUSY and
 * unlocking mmap_sem unexpectedly."
 *
 * Code (mm/hmm.c 5.2; the fix's hunk and later diffs' context):
 *
 *     hmm_vma_do_fault(walk, addr, write_fault, pfn):
 *         unsigned int flags = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_REMOTE;   // 5.3: FAULT_FLAG_REMOTE
 *         flags |= hmm_vma_walk->block ? 0 : FAULT_FLAG_ALLOW_RETRY;
 *         flags |= write_fault ? FAULT_FLAG_WRITE : 0;
 *         ret = handle_mm_fault(vma, addr, flags);
 *         if (ret & VM_FAULT_RETRY) return -EAGAIN;     // "Note, handle_mm_fault did up_read(&mm->mmap_sem))"
 *         if (ret & VM_FAULT_ERROR) { *pfn = range->values[HMM_PFN_ERROR]; return -EFAULT; }
 *         return -EBUSY;                                  // walk again
 *
 * and the page lock in the fault handler, lock_page_or_retry() → __lock_page_or_retry() (mm/filemap.c
 * of the time): `trylock_page(page) || __lock_page_or_retry(page, mm, flags)`, with `if (flags &
 * FAULT_FLAG_ALLOW_RETRY) { if (flags & FAULT_FLAG_RETRY_NOWAIT) return 0; up_read(&mm->mmap_sem);
 * wait_on_page_locked(page); return 0; } else { __lock_page(page); return 1; }`; a 0 makes the
 * fault return VM_FAULT_RETRY.
 *
 * The caller follows the 5.2 kernel-doc of hmm_range_fault(): "-EAGAIN: If you need to retry and
 * mmap_sem was drop. This can only happens if block argument is false." With block == true it
 * holds mmap_sem on every return, and releases it once afterwards.
 *
 * Property: hmm_range_fault(block = true) returns with mmap_sem still held (and, built in, lock
 * discipline: the caller's up_read). Expected: violated in 5.2, from the fix's message; 5.3 passes.
 * Abstractions: one page, not present and locked by `io` (the read of the page in flight); the
 * fault handler is the page-lock part of filemap_fault / do_swap_page; the walk's -EBUSY retry is
 * one more pass of the walk.
 */
import { always, defineModel, down_read, label, mutex, mutex_lock, mutex_trylock, mutex_unlock, routine, step, up_read, when, rwsem, type ModelSpec, type Mutex, type RwSemaphore } from '../../src/index.ts';

export const MMAP_SEM_KEPT = 'hmm_range_fault(block = true) returns with mmap_sem held';
const EAGAIN = -11;

interface RetryShared {
  readonly mm: { readonly mmap_sem: RwSemaphore; readonly pte: number | null };
  /** PG_locked of the page being read in. */
  readonly page: { readonly lock: Mutex };
  /** Ghost: hmm_range_fault's return, and whether the caller held mmap_sem for read at that moment. */
  readonly ret: number | null;
  readonly heldOnReturn: boolean | null;
}

type Version = '5.2' | '5.3';

interface Locals {
  readonly ret: number;
  readonly took: boolean;
}

function driver(v: Version) {
  const sem = (g: RetryShared) => g.mm.mmap_sem;
  const allowRetry = v === '5.2';
  const page = (g: RetryShared) => g.page.lock;
  return routine<RetryShared, Locals>('driver_populate_range', {
    locals: () => ({ ret: 0, took: false }),
    body: [
      down_read('down_read(&mm->mmap_sem)', sem),
      label('walk'),
      step('hmm_vma_walk_pmd → hmm_vma_handle_pte: pte_none(pte), fault requested → hmm_vma_walk_hole_ → hmm_vma_do_fault', ({ g, goto }) => {
        if (g.mm.pte !== null) goto('present');
      }),
      step(allowRetry ? 'flags = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_REMOTE; flags |= block ? 0 : FAULT_FLAG_ALLOW_RETRY; handle_mm_fault(vma, addr, flags)' : 'flags = FAULT_FLAG_REMOTE; flags |= block ? 0 : FAULT_FLAG_ALLOW_RETRY; handle_mm_fault(vma, addr, flags)', () => {}),
      mutex_trylock('lock_page_or_retry: trylock_page(page) ||', page, 'took'),
      step('if (trylock_page(page)) return 1', ({ my, goto }) => {
        if (my.took) goto('locked');
      }),
      ...(allowRetry
        ? [
            up_read<RetryShared, Locals>('__lock_page_or_retry: if (flags & FAULT_FLAG_ALLOW_RETRY) { up_read(&mm->mmap_sem);', sem),
            when<RetryShared, Locals>('wait_on_page_locked(page); return 0; }  → VM_FAULT_RETRY', (g) => g.page.lock.owner === null, undefined, { mightSleep: true }),
            step<RetryShared, Locals>('hmm_vma_do_fault: if (ret & VM_FAULT_RETRY) return -EAGAIN; → hmm_range_fault: if (ret) return ret;', ({ my, goto }) => {
              my.ret = EAGAIN;
              goto('return');
            }),
          ]
        : []),
      mutex_lock<RetryShared, Locals>('else { __lock_page(page); return 1; }', page),
      label('locked'),
      step('the page is up to date: set_pte_at(...)', ({ g }) => {
        g.mm.pte = 1;
      }),
      mutex_unlock('unlock_page(page); return 0 → hmm_vma_do_fault: return -EBUSY (walk again)', page, { then: 'walk' }),
      label('present'),
      step('pfns[i] = hmm_device_entry_from_pfn(range, pte_pfn(pte)) | cpu_flags; return npages', ({ my }) => {
        my.ret = 1;
      }),
      label('return'),
      step('ret = hmm_range_fault(&range, true)  /* returns */', ({ g, my, tid }) => {
        g.ret = my.ret;
        g.heldOnReturn = g.mm.mmap_sem.readers.includes(tid);
      }),
      up_read('up_read(&mm->mmap_sem)  /* block == true: never dropped, per the kernel-doc */', sem),
    ],
  });
}

/** The read of the page in flight: its page lock is held until the I/O completes. */
const io = routine<RetryShared>('end_page_read', {
  body: [mutex_unlock('unlock_page(page)  /* read I/O completes */', (g) => g.page.lock)],
});

function retrySpec(v: Version): ModelSpec<RetryShared> {
  const pageLock = { ...mutex('PG_locked (the page)'), owner: 1 };
  return {
    shared: { mm: { mmap_sem: rwsem('mm->mmap_sem'), pte: null }, page: { lock: pageLock }, ret: null, heldOnReturn: null },
    actors: [
      { name: 'driver', routine: driver(v) },
      { name: 'io', routine: io },
    ],
    properties: [always<RetryShared>(MMAP_SEM_KEPT, (g) => g.heldOnReturn !== false, (g) => `hmm_range_fault returned ${g.ret} without mmap_sem`)],
  };
}

const SOURCES = [
  '"mm/hmm: Only set FAULT_FLAG_ALLOW_RETRY for non-blocking", F. Kuehling ([PATCH 05/22] of C. Hellwig\'s series, 1 Jul 2019; merged for 5.3)',
  'mm/hmm.c (5.2): hmm_vma_do_fault, hmm_range_fault kernel-doc; mm/filemap.c: __lock_page_or_retry',
];

export const allowRetry52 = defineModel({
  name: 'hmm/v5.2-fault-allow-retry',
  description: 'Linux 5.2: hmm_range_fault(block = true) sets FAULT_FLAG_ALLOW_RETRY, so a locked page makes handle_mm_fault drop mmap_sem',
  params: {},
  expected: { verdict: 'violation', property: MMAP_SEM_KEPT },
  sources: SOURCES,
  build: () => retrySpec('5.2'),
});

export const allowRetry53 = defineModel({
  name: 'hmm/v5.3-fault-allow-retry',
  description: 'Linux 5.3: FAULT_FLAG_ALLOW_RETRY only for non-blocking faults; a blocking fault sleeps on the page lock with mmap_sem held',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => retrySpec('5.3'),
});
