import { describe, expect, it } from 'vitest';
import { toy, walk } from '../../testing/helpers.ts';
import { explore, routine, step, wait_event, wait_event_timeout, waitqueue, wake_up_all, wakeUpAll, type WaitQueue } from '../../index.ts';

interface Shared {
  readonly wq: WaitQueue;
  readonly ready: boolean;
  readonly got: number | null;
}
const wq = (g: Shared) => g.wq;
const init = (): Shared => ({ wq: waitqueue('hmm->wq'), ready: false, got: null });
const ready = (g: Shared) => g.ready;

const waiter = routine<Shared>('waiter', { body: [wait_event('wait_event(hmm->wq, ready)', wq, ready), step('done')] });

describe('wait queues', () => {
  it('a waiter woken after the condition is set always finishes', () => {
    const setter = routine<Shared>('setter', {
      body: [step('ready = true', ({ g }) => void (g.ready = true)), wake_up_all('wake_up_all(&hmm->wq)', wq)],
    });
    expect(explore(toy('woken', init(), [{ name: 'W', routine: waiter }, { name: 'S', routine: setter }])).verdict).toBe('pass');
  });

  it('setting the condition without a wake-up loses the wake-up: the deadlock names the queue', () => {
    const setter = routine<Shared>('setter', { body: [step('ready = true', ({ g }) => void (g.ready = true))] });
    const r = explore(toy('lost', init(), [{ name: 'W', routine: waiter }, { name: 'S', routine: setter }]));
    expect(r.verdict).toBe('deadlock');
    if (r.verdict !== 'deadlock') return;
    expect(r.blocked).toEqual([
      {
        actor: 'W',
        step: 'wait_event(hmm->wq, ready)',
        waitsFor: 'a wake_up on hmm->wq (its condition is now true, but no wake-up came)',
        heldBy: [],
      },
    ]);
    // W sleeps first, then S sets the flag.
    expect(r.path).toEqual([0, 0]);
  });

  it('waking before the condition holds puts the waiter back to sleep', () => {
    const m = toy('early', init(), [
      { name: 'W', routine: waiter },
      { name: 'S', routine: routine<Shared>('s', { body: [step('wake', ({ g }) => wakeUpAll(g.wq))] }) },
    ]);
    const world = walk(m, [0, 0]); // W sleeps, S wakes it
    expect(world.shared.wq.sleepers).toEqual([]);
    const r = explore(m);
    expect(r.verdict).toBe('deadlock'); // the condition never becomes true
  });

  it('wait_event_timeout: times out only while asleep and reports 0, or 1 when the condition held', () => {
    const timed = routine<Shared, { ret: number }>('timed', {
      locals: () => ({ ret: -1 }),
      body: [
        wait_event_timeout('wait_event_timeout(hmm->wq, ready, HZ)', wq, ready, 'ret'),
        step('record', ({ g, my }) => void (g.got = my.ret)),
      ],
    });
    const setter = routine<Shared>('setter', {
      body: [step('ready = true', ({ g }) => void (g.ready = true)), wake_up_all('wake_up_all(&hmm->wq)', wq)],
    });
    const m = toy('timeout', init(), [{ name: 'W', routine: timed }, { name: 'S', routine: setter }]);
    expect(explore(m).verdict).toBe('pass');
    // W sleeps, then times out before S runs: 0.
    expect(walk(m, [0, 0, 0]).shared.got).toBe(0);
    // W sleeps, S sets ready (no wake yet), W times out and re-checks: 1, as the kernel returns.
    expect(walk(m, [0, 1, 0, 0]).shared.got).toBe(1);
  });
});
