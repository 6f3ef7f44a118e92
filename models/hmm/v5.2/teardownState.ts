/**
 * Shared state of the teardown models (hmm/v5.2-teardown-use-after-free, hmm/v5.3-teardown): the
 * lifetime of `struct hmm` while a driver unregisters its mirror and a CPU thread runs the mmu
 * notifiers. Only what the lifetime question needs is kept: `mm->hmm`, the mm's notifier list
 * (whether `hmm->mmu_notifier` is on it), the SRCU read sections the notifier core holds while it
 * calls notifiers, and in `struct hmm` its kref, its locks and `notifiers`.
 *
 * Sources: struct hmm of include/linux/hmm.h @897e6365cda6 (5.2: `struct mutex lock`, `struct kref
 * kref`, `mirrors_sem`, `notifiers`); 5.3 (mm/hmm.c idx:9734602): `spinlock_t ranges_lock`, `struct
 * rcu_head rcu` (added by "[PATCH v4 hmm 01/12] mm/hmm: fix use after free with struct hmm in the
 * mmu notifiers", idx:22901006185).
 */
import {
  kref,
  lifetime,
  mutex,
  rwsem,
  sometimes,
  spinlock,
  type Kref,
  type Lifetime,
  type Mutex,
  type Property,
  type RwSemaphore,
  type Spinlock,
} from '../../../src/index.ts';
import { noLockHeldAtExit } from '../../../properties/lockDiscipline.ts';

export interface Mirror {
  /** 5.2: `mirror->hmm != NULL`. */
  readonly hmm: boolean;
  /** On `hmm->mirrors`. */
  readonly listed: boolean;
  /** The memory of the driver structure embedding the mirror (the driver kfree()s it after unregister). */
  readonly life: Lifetime;
}

export interface TeardownShared {
  readonly mm: {
    /** Also protects `mm->hmm` ("Abuse the page_table_lock to also protect mm->hmm"). */
    readonly page_table_lock: Spinlock;
    /** `mm->hmm != NULL`. */
    readonly hmm: boolean;
    /** CPU page table of the one page reclaim unmaps. */
    readonly pte: number | null;
  };
  readonly mmu_notifier_mm: {
    readonly lock: Spinlock;
    /** `hmm->mmu_notifier` is on `mm->mmu_notifier_mm->list`. */
    readonly listed: boolean;
  };
  /** SRCU read sections open in the notifier core (`srcu_read_lock(&srcu)` in __mmu_notifier_*). */
  readonly srcu: { readonly readers: number };
  readonly hmm: {
    /** The memory of `struct hmm`. */
    readonly life: Lifetime;
    readonly kref: Kref;
    /** 5.2: `struct mutex lock`. */
    readonly lock: Mutex;
    /** 5.3: `spinlock_t ranges_lock` (replaced `lock`). */
    readonly ranges_lock: Spinlock;
    readonly mirrors_sem: RwSemaphore;
    readonly notifiers: number;
    /** 5.2: `hmm->dead`, set by hmm_release. */
    readonly dead: boolean;
    /** 5.3: `mmu_notifier_call_srcu(&hmm->rcu, hmm_free_rcu)` queued, not yet run. */
    readonly freeQueued: boolean;
  };
  /** The `struct hmm_mirror`s registered on the mm; the first is the one the model's driver unregisters. */
  readonly mirrors: readonly Mirror[];
  readonly ghost: {
    /** hmm's invalidate_range_start ran with a reference on struct hmm. */
    readonly invalidations: number;
    /** mirror->ops->release() calls. */
    readonly releases: number;
  };
}

/**
 * A process with `mirrors` registered mirrors (one device driver each): struct hmm exists with one
 * reference per mirror, its notifier registered.
 */
export function initialTeardown(mirrors = 1): TeardownShared {
  return {
    mm: { page_table_lock: spinlock('mm->page_table_lock'), hmm: true, pte: 1 },
    mmu_notifier_mm: { lock: spinlock('mm->mmu_notifier_mm->lock'), listed: true },
    srcu: { readers: 0 },
    hmm: {
      life: lifetime('struct hmm'),
      kref: kref('hmm->kref', mirrors),
      lock: mutex('hmm->lock'),
      ranges_lock: spinlock('hmm->ranges_lock'),
      mirrors_sem: rwsem('hmm->mirrors_sem'),
      notifiers: 0,
      dead: false,
      freeQueued: false,
    },
    mirrors: Array.from({ length: mirrors }, () => ({ hmm: true, listed: true, life: lifetime('struct hmm_mirror') })),
    ghost: { invalidations: 0, releases: 0 },
  };
}

/**
 * Besides the built-in "use after free", lock discipline and deadlock: no lock held at exit, and
 * witnesses that the race window is really exercised: for the notifier models the notifier runs on
 * struct hmm and struct hmm gets freed; for the release models a release callback runs and the
 * driver frees its mirror.
 */
export function teardownProperties(kind: 'notifier' | 'release' = 'notifier'): Property<TeardownShared>[] {
  const witnesses =
    kind === 'notifier'
      ? [
          sometimes<TeardownShared>('the notifier runs on struct hmm', (g) => g.ghost.invalidations > 0),
          sometimes<TeardownShared>('struct hmm is freed', (g) => g.hmm.life.freed),
        ]
      : [
          sometimes<TeardownShared>('a mirror release callback runs', (g) => g.ghost.releases > 0),
          sometimes<TeardownShared>('the driver frees its mirror', (g) => g.mirrors[0]!.life.freed),
        ];
  return [noLockHeldAtExit<TeardownShared>(), ...witnesses];
}
