/*
 * hmm/v5.2-valid-flag (models/hmm/v5.2-valid-flag.ts, models/hmm/v5.2/hmm.ts, docDriver.ts,
 * seedDriver.ts, cpu.ts, state.ts) in Promela, step for step, so that SPIN without reduction
 * stores exactly as many states as interleave visits over the whole state space. Parameters
 * (cpp): D drivers, M munmaps, R reclaims, P pages; SEED=1 for driver=seed (default: driver=doc)
 * and RETRY=1 for its onTimeout=retry; spin -DD=1 -DM=1 -DR=1 -DP=1 -DSEED=1 -a hmm-v5.2-valid-flag.pml.
 *
 * Both drivers violate a property, and a search that stops at the first violation stores a number
 * of states that depends on its order (BFS in interleave, DFS in SPIN), so the comparison is on the
 * whole state space. interleave: driver=doc with the explore option properties: ['deadlock'] (it
 * has no deadlock; the stale mapping is a state property and is then not checked); driver=seed
 * with properties: ['the device maps a page'], which turns off deadlock detection and prunes the
 * steps that fail an unselected assertion (the second up_read of mmap_sem fails "lock
 * discipline"). Here such a step is a d_step whose guard requires the assertion to hold, so it
 * never runs, and pan runs with -E (a deadlocked state is no error). States are then equal;
 * interleave's transitions count the pruned steps as well, SPIN's do not.
 *
 * The correspondence rules are those of hmm-v5.5-interval-notifier.pml: one d_step per
 * interleave step, branches as guarded d_steps leaving one control point, callees inlined with
 * their locals entered and reset in the steps that call and return, finished threads blocked at
 * end_done with their locals 0, lock owners as thread ids (NONE for null), ordered queues kept in
 * order, 1/0 for "pfn page+1"/null, and the scratch local i 0 between steps. mmap_sem's readers
 * are a count per thread: the seed driver takes the read side twice on its -EAGAIN path.
 *
 * Constant in this model and so not stored: hmm->dead (no release thread: always false, so the
 * -EFAULT returns on it are never taken), hmm->mirrors_sem's writer and queued writers (nothing
 * takes it for write), the ranges' start/end. The locals of hmm_range_register,
 * hmm_range_unregister, hmm_range_wait_until_valid and hmm_range_snapshot ({r}) and of the
 * invalidate routines ({start, end}) are constants of the thread. hmm_range_wait_until_valid's
 * wait_event_timeout has two alternatives (woken / times out) with complementary guards and the
 * same successor, so it is one unconditional d_step here.
 */
#ifndef D
#define D 1
#endif
#ifndef M
#define M 1
#endif
#ifndef R
#define R 1
#endif
#ifndef P
#define P 1
#endif
#ifndef SEED
#define SEED 0
#endif
#ifndef RETRY
#define RETRY 0
#endif
#define NT (D + M + R)
#define NONE 255
#define EFAULT (-14)
#define EAGAIN (-11)
#define QW (M + 1)

/* mm->mmap_sem: read holds per thread, their total, writer, queued writers in order */
byte rd[NT];
byte nrd;
byte wr = NONE;
byte ww[QW];
byte nww;
bool queued[NT];
/* mm */
bool vma = 1;
bool pte[P] = 1;
/* struct hmm */
byte hlock = NONE;
bool msr[NT];           /* hmm->mirrors_sem readers */
byte notifiers;
/* struct hmm_range, one per driver; pfns flattened: range r, page p at r * P + p */
bool rhmm[D];
bool listed[D];
bool valid[D];
bool pfns[D * P];
/* device */
byte dlock = NONE;
bool dpte[P];
/* ghost counters */
byte registered[D];
byte unregisterCalls[D];
byte unsynced[P];

#define lock(l) d_step { l == NONE -> l = _pid }
#define unlock(l) d_step { l = NONE }
/* down_read / up_read of mmap_sem; up_read by a thread without a read hold fails "lock discipline" */
#define DOWN_READ d_step { wr == NONE && nww == 0 -> rd[_pid]++; nrd++ }
#define UP_READ d_step { rd[_pid] > 0 -> rd[_pid]--; nrd-- }

/* hmm_invalidate_range_start(range [s, e)), the blockable 5.2 code, with the driver's
 * sync_cpu_device_pagetables callback; the callee's locals are the caller's constants. */
#define INVALIDATE_START(s, e) \
  lock(hlock); \
  d_step { \
    notifiers++; \
    for (i : 0 .. D - 1) { if :: listed[i] && !((e) < 0 || (s) >= P) -> valid[i] = 0 :: else fi }; \
    for (i : 0 .. P - 1) { if :: (s) <= i && i < (e) -> unsynced[i]++ :: else fi }; \
    i = 0 \
  }; \
  unlock(hlock); \
  d_step { msr[_pid] = 1 }; \
  d_step { skip }; \
  lock(dlock); \
  d_step { for (i : 0 .. P - 1) { if :: (s) <= i && i < (e) -> dpte[i] = 0; unsynced[i]-- :: else fi }; i = 0 }; \
  unlock(dlock); \
  d_step { msr[_pid] = 0 }

#define INVALIDATE_END \
  lock(hlock); \
  d_step { notifiers--; if :: notifiers == 0 -> for (i : 0 .. D - 1) { if :: listed[i] -> valid[i] = 1 :: else fi }; i = 0 :: else fi }; \
  unlock(hlock)

/* hmm_range_unregister(range) */
#define UNREGISTER(L) \
  if \
  :: d_step { !rhmm[_pid] -> unregisterCalls[_pid]++ } \
  :: d_step { rhmm[_pid] -> unregisterCalls[_pid]++ }; \
     lock(hlock); \
     d_step { listed[_pid] = 0 }; \
     unlock(hlock); \
     d_step { valid[_pid] = 0; rhmm[_pid] = 0 } \
  fi

/* hmm_range_wait_until_valid(range): the result goes to the driver's ok */
#define WAIT_UNTIL_VALID(L) \
  if \
  :: d_step { !rhmm[_pid] -> valid[_pid] = 0; ok = 0 } \
  :: d_step { rhmm[_pid] -> skip }; \
     if \
     :: d_step { valid[_pid] -> ok = 1 } \
     :: d_step { !valid[_pid] -> skip }; \
        d_step { skip }; \
        d_step { ok = valid[_pid] } \
     fi \
  fi

/* hmm_range_register(range): the result (always 0: hmm->dead is false) goes to the driver's ret */
#define REGISTER \
  d_step { rhmm[_pid] = 1 }; \
  lock(hlock); \
  d_step { listed[_pid] = 1; if :: notifiers == 0 -> valid[_pid] = 1 :: else fi; registered[_pid]++ }; \
  unlock(hlock); \
  d_step { ret = 0 }

/* hmm_range_snapshot(range): the result goes to the driver's ret */
#define SNAPSHOT \
  d_step { skip }; /* if (hmm->mm == NULL || hmm->dead) return -EFAULT (never) */ \
  if \
  :: d_step { !valid[_pid] -> ret = EAGAIN } \
  :: d_step { valid[_pid] -> skip }; \
     if \
     :: d_step { !vma -> ret = EFAULT } \
     :: d_step { vma -> skip }; \
        d_step { for (i : 0 .. P - 1) { pfns[_pid * P + i] = pte[i] }; i = 0; ret = P } \
     fi \
  fi

#if SEED
/* mydevice_prefault(), the seed review's pseudo-code (seedDriver.ts) */
active [D] proctype driver() {
  byte i;
  short ret;        /* driver locals */
  bool ok;

  REGISTER;
  d_step { skip };             /* if (ret) return ret (never: ret is 0) */
  DOWN_READ;
again:
  WAIT_UNTIL_VALID(w1);
  if
  :: d_step { ok -> skip }; goto snapshot
  :: d_step { !ok -> skip }
  fi;
  UP_READ;
  UNREGISTER(u1);
#if RETRY
  d_step { skip }; goto again;  /* goto again */
#else
  d_step { ret = 0; ok = 0 }; goto end_done;  /* return -ESOMETHING: the thread finishes */
#endif
snapshot:
  if :: SNAPSHOT fi;
  if
  :: d_step { ret == EAGAIN -> skip }; goto eagain
  :: d_step { ret != EAGAIN -> skip }   /* -EBUSY: never returned by hmm_range_snapshot */
  fi;
  UP_READ;
  if
  :: d_step { ret < 0 -> skip }; goto fail
  :: d_step { ret >= 0 -> skip }
  fi;
  lock(dlock);
  if
  :: d_step { valid[_pid] -> skip }; goto populate
  :: d_step { !valid[_pid] -> skip }
  fi;
  unlock(dlock); goto again;
populate:
  if :: d_step { for (i : 0 .. P - 1) { dpte[i] = pfns[_pid * P + i] }; i = 0 } fi;
  unlock(dlock);
  UNREGISTER(u2);
  d_step { ret = 0; ok = 0 }; goto end_done;  /* return 0 */
eagain:
  if :: DOWN_READ fi; goto again;
fail:
  if :: UNREGISTER(u3) fi;
  d_step { ret = 0; ok = 0 };  /* return ret */
end_done:
  false
}
#else
/* driver_populate_range(), the pattern of Documentation/vm/hmm.rst in 5.2 (docDriver.ts) */
active [D] proctype driver() {
  byte i;
  short ret;        /* driver locals */
  bool ok;

  REGISTER;
  d_step { skip };             /* hmm_range_register(&range) failed: return (never: ret is 0) */
  WAIT_UNTIL_VALID(w1);
again:
  if :: DOWN_READ fi;
  SNAPSHOT;
  if
  :: d_step { ret >= 0 -> skip }; goto locked
  :: d_step { ret < 0 -> skip }
  fi;
  UP_READ;
  if
  :: d_step { ret != EAGAIN -> skip }; goto fail
  :: d_step { ret == EAGAIN -> skip }
  fi;
  WAIT_UNTIL_VALID(w2);
  d_step { skip }; goto again;
fail:
  UNREGISTER(u1);
  d_step { ret = 0; ok = 0 }; goto end_done;     /* return ret: the thread finishes */
locked:
  if :: lock(dlock) fi;
  if
  :: d_step { valid[_pid] -> skip }; goto populate
  :: d_step { !valid[_pid] -> skip }
  fi;
  unlock(dlock);
  UP_READ; goto again;
populate:
  if :: d_step { for (i : 0 .. P - 1) { dpte[i] = pfns[_pid * P + i] }; i = 0 } fi;
  UNREGISTER(u2);
  unlock(dlock);
  UP_READ;
  d_step { ret = 0; ok = 0 };   /* return 0: the thread finishes */
end_done:
  false
}

#endif

#if M > 0
active [M] proctype munmap() {
  byte i;
down_write:
  if
  :: d_step {
       wr == NONE && nrd == 0 && (nww == 0 || ww[0] == _pid + 1) ->
       if
       :: queued[_pid] ->
          queued[_pid] = 0;
          for (i : 1 .. M) { ww[i - 1] = ww[i] }; i = 0;
          nww--
       :: else
       fi;
       wr = _pid
     }
  :: d_step {
       !(wr == NONE && nrd == 0 && (nww == 0 || ww[0] == _pid + 1)) && !queued[_pid] ->
       queued[_pid] = 1; ww[nww] = _pid + 1; nww++
     };
     goto down_write
  fi;
  d_step { vma = 0 };
  d_step { wr = NONE; rd[_pid]++; nrd++ };
  INVALIDATE_START(0, P);
  d_step { for (i : 0 .. P - 1) { pte[i] = 0 }; i = 0 };
  INVALIDATE_END;
  UP_READ;
end_done:
  false
}
#endif

#if R > 0
active [R] proctype reclaim() {
  byte i;
  INVALIDATE_START(0, 1);
  d_step { pte[0] = 0 };
  INVALIDATE_END;
end_done:
  false
}
#endif
