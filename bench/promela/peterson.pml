/*
 * classic/peterson (models/classic/peterson.ts): BEEM `peterson` (the filter lock for N
 * processes; peterson.1 is N=3, peterson.4 is N=4) in Promela. spin -DN=4 -a peterson.pml.
 *
 * Each DVE control state (NCS, wait, q2, q3, CS) is one control point of the proctype and each
 * DVE transition is one guarded d_step leaving it, so SPIN's states are BEEM's and interleave's:
 * N=3 12,498 states / 33,369 transitions, N=4 1,119,560 states (SPIN's "transitions" is
 * stored + matched, one more than interleave's, as SPIN counts the initial state as reached).
 * j and k are the process's locals and i is _pid. A goto target is a one-option if around a
 * d_step (SPIN refuses jumps into a d_step; the if adds no control point).
 */
#ifndef N
#define N 3
#endif
byte pos[N];
byte step[N];

active [N] proctype P() {
  byte j = 0, k = 0;
NCS:
  if :: d_step { j = 1 } fi;
wait:
  if
  :: d_step { j < N -> pos[_pid] = j };
     /* q2 */
     d_step { step[j - 1] = _pid; k = 0 };
q3:
     if
     :: d_step { k < N && (k == _pid || pos[k] < j) -> k++ }; goto q3
     :: d_step { step[j - 1] != _pid || k == N -> j++ }; goto wait
     fi
  :: d_step { j == N -> skip };
     /* CS */
     d_step { pos[_pid] = 0 }; goto NCS
  fi
}
