/*
 * hmm/v5.5-interval-notifier (models/hmm/v5.5-interval-notifier.ts and models/hmm/v5.5/*.ts) in
 * Promela, step for step, so that SPIN without reduction stores exactly as many states as
 * interleave visits. Parameters (cpp): D drivers, M munmaps, R reclaims, P pages (all >= 0,
 * D >= 1, P >= 1); spin -DD=1 -DM=1 -DR=1 -DP=1 -a hmm-v5.5-interval-notifier.pml.
 *
 * Correspondence with interleave's state:
 * - Every labelled interleave step is one d_step; a step whose effect branches (goto, ret) is an
 *   if whose options are guarded d_steps leaving the same control point, so SPIN's program
 *   counter takes exactly one value per interleave position (call stack of routine/pc pairs).
 *   Routines are inlined per caller; a call is entered inside the step before it, as interleave
 *   settles calls without a step of its own.
 * - A callee's locals are process variables that are 0 outside the call and are set when the call
 *   is entered and reset when it returns, in the same d_step (interleave drops a returned frame).
 *   Locals that are functions of the caller's (hmm_range_fault's seq, driver_invalidate's r, start,
 *   end, cur_seq) are not stored twice.
 * - A finished thread (empty stack in interleave) blocks for ever at end_done with all its locals
 *   0, so SPIN neither adds a "-end-" state nor removes the process.
 * - Lock owners are thread ids (interleave's actor indices: drivers, then munmaps, then reclaims;
 *   SPIN's _pid in the same order), NONE for null. The CPU page table, the device page table and
 *   the driver's pfns hold 1 for "pfn page+1" and 0 for null (those are the only values).
 * - Ordered lists stay ordered: mmn_mm->wq's sleepers (slp, in sleep order) and mmap_sem's queued
 *   writers (ww). asleep[], queued[] and nrd are redundant summaries (functions of the lists and of
 *   rd[]) so that guards need no loop; they add no states.
 * - Loops (a step that stays, the tree walk) are a label on an if and a goto; loops inside d_steps use the scratch local i, always 0 between steps.
 * - Properties are not checked here (the model passes; the numbers compared are state counts).
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
#define NT (D + M + R)
#define NONE 255
#define EBUSY (-16)
#define EFAULT (-14)
#define QW (M + 1)

/* mm->mmap_sem: readers (one hold per thread at most), writer, queued writers in order */
bool rd[NT];
byte nrd;
byte wr = NONE;
byte ww[QW];
byte nww;
bool queued[NT];
/* mm */
bool vma = 1;
bool pte[P] = 1;
/* mmn_mm */
byte mlock = NONE;
byte iseq = 2;
byte active_ranges;
byte slp[D];
byte nslp;
bool asleep[D];
/* one mmu_interval_notifier per driver */
bool inTree[D];
bool deferred[D];
byte mseq[D];
bool freed[D];
/* device */
byte dlock = NONE;
bool dpte[P];
/* ghost counters */
byte inserted[D];
byte removed[D];

#define lock(l) d_step { l == NONE -> l = _pid }
#define unlock(l) d_step { l = NONE }
#define SLEEP asleep[_pid] = 1; slp[nslp] = _pid + 1; nslp++

/* mn_itree_invalidate(range [s, e)) then, after the page-table step, mn_itree_inv_end(). */
#define INVALIDATE(s, e) \
  lock(mlock); \
  d_step { \
    active_ranges++; \
    for (i : 0 .. D - 1) { if :: inTree[i] && 0 < (e) && (s) < P -> hl[nh] = i + 1; nh++ :: else fi }; \
    i = 0; \
    if :: nh > 0 -> iseq = iseq | 1 :: else fi; \
    cur = iseq \
  }; \
  unlock(mlock); \
walk: \
  if \
  :: d_step { nxt >= nh -> for (i : 0 .. D - 1) { hl[i] = 0 }; i = 0; nh = 0; nxt = 0; cur = 0 } \
  :: d_step { nxt < nh -> nxt++ }; \
     lock(dlock); \
     d_step { \
       mseq[hl[nxt - 1] - 1] = cur; \
       for (i : 0 .. P - 1) { if :: (s) <= i && i < (e) -> dpte[i] = 0 :: else fi }; \
       i = 0 \
     }; \
     unlock(dlock); \
     goto walk \
  fi

#define INV_END \
  lock(mlock); \
  if \
  :: d_step { (active_ranges > 1 || (iseq & 1) == 0) -> active_ranges-- }; \
     unlock(mlock) \
  :: d_step { !(active_ranges > 1 || (iseq & 1) == 0) -> \
       active_ranges--; \
       iseq++; \
       for (i : 0 .. D - 1) { if :: deferred[i] -> inTree[i] = !inTree[i]; deferred[i] = 0 :: else fi }; \
       i = 0 \
     }; \
     unlock(mlock); \
     d_step { for (i : 0 .. D - 1) { asleep[i] = 0; slp[i] = 0 }; i = 0; nslp = 0 } \
  fi

active [D] proctype driver() {
  byte i;
  byte seq;         /* driver local: range.notifier_seq */
  short ret;        /* driver local res.ret */
  bool pfn[P];      /* driver local res.pfns (0 when ret <= 0) */
  byte rb_seq;      /* mmu_interval_read_begin's locals */
  bool rb_inv;
  byte rm_seq;      /* mmu_interval_notifier_remove's local */

  /* mmu_interval_notifier_insert */
  lock(mlock);
  d_step {
    if
    :: active_ranges > 0 ->
       if :: (iseq & 1) -> deferred[_pid] = 1 :: else -> iseq = iseq | 1; inTree[_pid] = 1 fi;
       mseq[_pid] = iseq
    :: else -> mseq[_pid] = iseq - 1; inTree[_pid] = 1
    fi;
    inserted[_pid]++
  };
  unlock(mlock);
again:
  /* mmu_interval_read_begin */
  if :: lock(mlock) fi;
  d_step { rb_seq = mseq[_pid]; rb_inv = (rb_seq == iseq) };
  unlock(mlock);
rb_wait:
  if
  :: d_step { !asleep[_pid] && (!rb_inv || iseq != rb_seq) -> skip }
  :: d_step { !asleep[_pid] && !(!rb_inv || iseq != rb_seq) -> SLEEP }; goto rb_wait
  fi;
  d_step { seq = rb_seq; rb_seq = 0; rb_inv = 0 };
  d_step { wr == NONE && nww == 0 -> rd[_pid] = 1; nrd++ };
  /* hmm_range_fault */
  if
  :: d_step { mseq[_pid] != seq -> ret = EBUSY; for (i : 0 .. P - 1) { pfn[i] = 0 }; i = 0 }
  :: d_step { mseq[_pid] == seq -> skip };
     if
     :: d_step { !vma -> ret = EFAULT; for (i : 0 .. P - 1) { pfn[i] = 0 }; i = 0 }
     :: d_step { vma -> skip };
        d_step { ret = P; for (i : 0 .. P - 1) { pfn[i] = pte[i] }; i = 0 }
     fi
  fi;
  if
  :: d_step { ret >= 0 -> skip }; goto ok
  :: d_step { ret < 0 -> skip };
     d_step { rd[_pid] = 0; nrd-- };
     if
     :: d_step { ret == EBUSY -> skip }; goto again
     :: d_step { ret != EBUSY -> skip }; goto teardown
     fi
  fi;
ok:
  if :: d_step { rd[_pid] = 0; nrd-- } fi;
  lock(dlock);
  if
  :: d_step { mseq[_pid] == seq -> skip }
  :: d_step { mseq[_pid] != seq -> skip };
     unlock(dlock);
     goto again
  fi;
  d_step { for (i : 0 .. P - 1) { dpte[i] = pfn[i] }; i = 0 };
  unlock(dlock);
teardown:
  if :: lock(dlock) fi;
  d_step { for (i : 0 .. P - 1) { dpte[i] = 0 }; i = 0 };
  unlock(dlock);
  /* mmu_interval_notifier_remove */
  lock(mlock);
  d_step {
    removed[_pid]++;
    if
    :: (iseq & 1) -> if :: !inTree[_pid] -> deferred[_pid] = 0 :: else -> deferred[_pid] = 1; rm_seq = iseq fi
    :: else -> inTree[_pid] = 0
    fi
  };
  unlock(mlock);
rm_wait:
  if
  :: d_step { !asleep[_pid] && (rm_seq == 0 || iseq != rm_seq) -> rm_seq = 0 }
  :: d_step { !asleep[_pid] && !(rm_seq == 0 || iseq != rm_seq) -> SLEEP }; goto rm_wait
  fi;
  /* kfree(mni); the thread finishes and its locals go */
  d_step { freed[_pid] = 1; seq = 0; ret = 0; for (i : 0 .. P - 1) { pfn[i] = 0 }; i = 0 };
end_done:
  false
}

#if M > 0
active [M] proctype munmap() {
  byte i;
  byte hl[D];       /* mn_itree_invalidate's locals: hits (notifier + 1, in walk order), next, cur_seq */
  byte nh;
  byte nxt;
  byte cur;

  /* down_write_killable(&mm->mmap_sem) */
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
  d_step { wr = NONE; rd[_pid] = 1; nrd++ };
  INVALIDATE(0, P);
  d_step { for (i : 0 .. P - 1) { pte[i] = 0 }; i = 0 };
  INV_END;
  d_step { rd[_pid] = 0; nrd-- };
end_done:
  false
}
#endif

#if R > 0
active [R] proctype reclaim() {
  byte i;
  byte hl[D];
  byte nh;
  byte nxt;
  byte cur;

  INVALIDATE(0, 1);
  d_step { pte[0] = 0 };
  INV_END;
end_done:
  false
}
#endif
