/**
 * Peterson's mutual exclusion for N processes (the filter lock), exactly as BEEM's `peterson`
 * DVE models (peterson.1 is N=3, peterson.4 is N=4; DiVinE ships the N=4 text as
 * examples/dve/beem-peterson.4.prop3.dve). Every DVE control state is one statement whose
 * alternatives are its transitions, and j, k are the process's locals, so unique-state and
 * transition counts match BEEM's: N=3 12,498 states / 33,369 transitions; N=4 1,119,560 states.
 */
import { defineModel, either, routine } from '../../src/index.ts';
import { mutualExclusion } from '../../properties/mutualExclusion.ts';
import { starvationFreedom } from '../../properties/starvationFreedom.ts';

interface Shared {
  readonly pos: readonly number[];
  readonly step: readonly number[];
}

interface Locals {
  readonly i: number;
  readonly j: number;
  readonly k: number;
}

function peterson(n: number) {
  return routine<Shared, Locals, { i: number }>('P', {
    locals: ({ i }) => ({ i, j: 0, k: 0 }),
    body: [
      either<Shared, Locals>('NCS', [{ label: 'j = 1', do: ({ my, goto }) => { my.j = 1; goto('wait'); } }], { name: 'NCS' }),
      either<Shared, Locals>(
        'wait',
        [
          { label: 'pos[i] = j', when: (_g, my) => my.j < n, do: ({ g, my, goto }) => { g.pos[my.i] = my.j; goto('q2'); } },
          { label: 'enter CS', when: (_g, my) => my.j === n, do: ({ goto }) => goto('CS') },
        ],
        { name: 'wait' },
      ),
      either<Shared, Locals>(
        'q2',
        [{ label: 'step[j-1] = i, k = 0', do: ({ g, my, goto }) => { g.step[my.j - 1] = my.i; my.k = 0; goto('q3'); } }],
        { name: 'q2' },
      ),
      either<Shared, Locals>(
        'q3',
        [
          {
            label: 'k = k+1',
            when: (g, my) => my.k < n && (my.k === my.i || g.pos[my.k]! < my.j),
            do: ({ my, stay }) => { my.k += 1; stay(); },
          },
          {
            label: 'j = j+1',
            when: (g, my) => g.step[my.j - 1] !== my.i || my.k === n,
            do: ({ my, goto }) => { my.j += 1; goto('wait'); },
          },
        ],
        { name: 'q3' },
      ),
      either<Shared, Locals>('CS', [{ label: 'pos[i] = 0', do: ({ g, my, goto }) => { g.pos[my.i] = 0; goto('NCS'); } }], {
        name: 'CS',
      }),
    ],
  });
}

export const model = defineModel({
  name: 'classic/peterson',
  description: "Peterson's mutual exclusion for n processes (BEEM peterson.1 is n=3, peterson.4 is n=4)",
  params: { n: 3 },
  expected: { verdict: 'pass' },
  sources: ['BEEM peterson (DiVinE examples/dve/beem-peterson.4.prop3.dve without the LTL property process)'],
  build: ({ n }) => {
    const process = peterson(n);
    return {
      shared: { pos: Array.from({ length: n }, () => 0), step: Array.from({ length: n }, () => 0) },
      actors: Array.from({ length: n }, (_, i) => ({ name: `P_${i}`, routine: process, args: { i } })),
      properties: [
        mutualExclusion<Shared>('CS'),
        // Liveness: with weak fairness per process, every process that leaves NCS reaches CS.
        ...starvationFreedom<Shared>(
          Array.from({ length: n }, (_, i) => `P_${i}`),
          (w, tid) => !w.at(tid, 'NCS') && !w.at(tid, 'CS'),
          (w, tid) => w.at(tid, 'CS'),
        ),
      ],
    };
  },
});
