/**
 * Two-phase commit, as Lamport's TLA+ `TwoPhase` and Stateright's `2pc` example: a transaction
 * manager and N resource managers exchanging messages through a set (messages are never lost and
 * may be received again). Known unique-state counts: 288 for 3 RMs, 8,832 for 5.
 *
 * The resource managers are interchangeable, declared as a symmetry group. Its `sortKey` is the
 * RM's state in Stateright's order (Working < Prepared < Committed < Aborted): with
 * `--symmetry=sorted` the representative is Stateright's (examples/2pc.rs, `impl Representative
 * for TwoPhaseState`: `RewritePlan::from_values_to_sort(&self.rm_state)`, then `rm_state` and
 * `tm_prepared` reindexed and `Prepared { rm }` messages rewritten), and a depth-first search with
 * 5 RMs stores 665 states, as its `can_model_2pc` test pins. That representative breaks ties
 * between RMs in the same state by position, so a class of states can be stored more than once;
 * the canonical representative (the least over all renamings) stores each class once.
 */
import { always, defineModel, either, reading, routine, type Renaming } from '../../src/index.ts';

type RmState = 'working' | 'prepared' | 'committed' | 'aborted';

interface Shared {
  readonly rmState: readonly RmState[];
  readonly tmState: 'init' | 'committed' | 'aborted';
  readonly tmPrepared: readonly boolean[];
  /** The message set: `Prepared(rm)` for each rm, plus `Commit` and `Abort`. */
  readonly msgs: { readonly prepared: readonly boolean[]; readonly commit: boolean; readonly abort: boolean };
}

const SERVER = { name: 'loop', then: 'loop', end: true } as const;

const RANK: Readonly<Record<RmState, number>> = { working: 0, prepared: 1, committed: 2, aborted: 3 };

/** Member `i` of `xs` moved to position `r.to[i]`. */
function moved<T>(xs: readonly T[], r: Renaming): T[] {
  const out = xs.slice();
  xs.forEach((x, i) => (out[r.to[i]!] = x));
  return out;
}

/** One `TmRcvPrepared(rm)` alternative per resource manager, so the routine is built per RM count. */
function transactionManager(rms: number) {
  return routine<Shared>('transaction_manager', {
    body: [
      either<Shared, Record<string, never>>(
        'TM',
        [
          ...Array.from({ length: rms }, (_, rm) => ({
            label: `TmRcvPrepared(${rm})`,
            when: (g: Shared) => g.tmState === 'init' && g.msgs.prepared[rm] === true,
            do: ({ g }: { g: { tmPrepared: boolean[] } }) => {
              g.tmPrepared[rm] = true;
            },
          })),
          {
            label: 'TmCommit',
            when: (g) => g.tmState === 'init' && g.tmPrepared.every(Boolean),
            do: ({ g }) => {
              g.tmState = 'committed';
              g.msgs.commit = true;
            },
          },
          {
            label: 'TmAbort',
            when: (g) => g.tmState === 'init',
            do: ({ g }) => {
              g.tmState = 'aborted';
              g.msgs.abort = true;
            },
          },
        ],
        SERVER,
      ),
    ],
  });
}

const resourceManager = routine<Shared, { rm: number }, { rm: number }>('resource_manager', {
  locals: ({ rm }) => ({ rm }),
  body: [
    either(
      'RM',
      [
        {
          label: 'RmPrepare',
          when: (g, my) => g.rmState[my.rm] === 'working',
          do: ({ g, my }) => {
            g.rmState[my.rm] = 'prepared';
            g.msgs.prepared[my.rm] = true;
          },
        },
        {
          label: 'RmChooseToAbort',
          when: (g, my) => g.rmState[my.rm] === 'working',
          do: ({ g, my }) => {
            g.rmState[my.rm] = 'aborted';
          },
        },
        {
          label: 'RmRcvCommitMsg',
          when: (g) => g.msgs.commit,
          do: ({ g, my }) => {
            g.rmState[my.rm] = 'committed';
          },
        },
        {
          label: 'RmRcvAbortMsg',
          when: (g) => g.msgs.abort,
          do: ({ g, my }) => {
            g.rmState[my.rm] = 'aborted';
          },
        },
      ],
      SERVER,
    ),
  ],
});

export const model = defineModel({
  name: 'classic/two-phase-commit',
  description: 'Two-phase commit (TLA+ TwoPhase / Stateright 2pc) with `rms` resource managers',
  params: { rms: 3 },
  expected: { verdict: 'pass' },
  sources: ['Lamport, TwoPhase.tla (tlaplus/Examples, specifications/transaction_commit)', 'stateright, examples/2pc.rs'],
  build: ({ rms }) => ({
    shared: {
      rmState: Array.from({ length: rms }, (): RmState => 'working'),
      tmState: 'init',
      tmPrepared: Array.from({ length: rms }, () => false),
      msgs: { prepared: Array.from({ length: rms }, () => false), commit: false, abort: false },
    } satisfies Shared,
    actors: [
      { name: 'tm', routine: transactionManager(rms) },
      ...Array.from({ length: rms }, (_, rm) => ({ name: `rm${rm}`, routine: resourceManager, args: { rm } })),
    ],
    properties: [
      reading(
        always<Shared>(
          'consistent',
          (g) => !(g.rmState.includes('committed') && g.rmState.includes('aborted')),
          () => 'one resource manager committed while another aborted',
        ),
        ['rmState'],
      ),
    ],
    symmetry: [
      {
        actors: Array.from({ length: rms }, (_, rm) => `rm${rm}`),
        permute: (g: Shared, r: Renaming): Shared => ({
          ...g,
          rmState: moved(g.rmState, r),
          tmPrepared: moved(g.tmPrepared, r),
          msgs: { ...g.msgs, prepared: moved(g.msgs.prepared, r) },
        }),
        permuteLocals: (locals, r) => ('rm' in locals ? { ...locals, rm: r.to[locals.rm as number]! } : locals),
        sortKey: (g: Shared, rm: number) => RANK[g.rmState[rm]!],
      },
    ],
  }),
});
