/* Two-phase commit (TwoPhase.tla, as specs/two_phase_commit.py), for SPIN: the compiled ceiling of
   bench/scale.py. One process per resource manager and one for the transaction manager; every action
   is one d_step (guard, then effect), so a state is the variables' values and the counts compare with
   TLC's (RM=8: 1,745,408 distinct states). nprep counts tmPrepared: a function of it, so it adds no
   state. Messages are never removed, as in the TLA+ spec: one flag per message. */
#ifndef N
#define N 8
#endif
#define working   0
#define prepared  1
#define committed 2
#define aborted   3
#define tinit       0
#define tcommitted  1
#define taborted    2

byte rmState[N];
byte tmState = tinit;
bool tmPrepared[N];
bool msgPrepared[N];
bool msgCommit;
bool msgAbort;
byte nprep;

active [N] proctype RM() {
  do
  :: d_step { rmState[_pid] == working -> rmState[_pid] = prepared; msgPrepared[_pid] = 1 }  /* RMPrepare */
  :: d_step { rmState[_pid] == working -> rmState[_pid] = aborted }                         /* RMChooseToAbort */
  :: d_step { msgCommit -> rmState[_pid] = committed }                                     /* RMRcvCommitMsg */
  :: d_step { msgAbort -> rmState[_pid] = aborted }                                        /* RMRcvAbortMsg */
  :: d_step { tmState == tinit && msgPrepared[_pid] ->                                     /* TMRcvPrepared */
               if :: !tmPrepared[_pid] -> tmPrepared[_pid] = 1; nprep++ :: else -> skip fi }
  od
}

active proctype TM() {
  do
  :: d_step { tmState == tinit && nprep == N -> tmState = tcommitted; msgCommit = 1 }      /* TMCommit */
  :: d_step { tmState == tinit -> tmState = taborted; msgAbort = 1 }                       /* TMAbort */
  od
}
