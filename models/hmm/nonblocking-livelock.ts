/**
 * hmm/v5.2-nonblocking-retry-livelock and hmm/v5.3-nonblocking-retry — the liveness side of hmm.md
 * scenario 3: in 5.2 a nonblocking hmm_invalidate_range_start that fails the mirrors_sem trylock
 * after `notifiers++` leaves the count above zero for ever, so ranges never become valid again and a
 * driver that retries on timeout (Documentation/vm/hmm.rst @023a019a9b4e, 5.2: after -EAGAIN,
 * "hmm_range_wait_until_valid(&range, TIMEOUT_IN_MSEC); goto again;") retries without end. No
 * state is a deadlock: only a liveness property sees it, as a lasso.
 *
 * Actors and code are those of hmm/v5.2-nonblocking-notifier-leak and its 5.3 fix
 * (models/hmm/v5.2-nonblocking.ts, models/hmm/v5.3/invalidate-models.ts: the OOM reaper's
 * nonblocking start, another mirror's unregister holding mirrors_sem for write); only the driver
 * differs: its retry loop stands for hmm.rst's snapshot → -EAGAIN → wait → `goto again`, which
 * loops exactly while the range is invalid.
 *
 * Property (weak fairness per actor): "the waiting driver eventually proceeds": the driver gets a
 * valid range and finishes. Expected, from the 5.3 fix's commit message ("notifiers becoming
 * permanently incremented and deadlock", J. Gunthorpe, "[PATCH v3 hmm 12/12] mm/hmm: Fix error
 * flows in hmm_invalidate_range_start", 13 Jun 2019): violated in 5.2 (a lasso whose cycle is the
 * driver timing out and retrying), satisfied in 5.3, whose notifiers_decrement() undoes the count
 * and wakes the waiters. The safety form of the same bug is hmm/v5.2-nonblocking-notifier-leak.
 */
import { call, defineModel, eventually, label, routine, step, wait_event_timeout, type AnyRoutine } from '../../src/index.ts';
import { hmm_invalidate_range_end, hmm_invalidate_range_start_nonblock, hmm_range_register, hmm_range_unregister, hmm_range_wait_until_valid } from './v5.2/hmm.ts';
import { initialShared52, nonblockingSpec, type OomView } from './v5.2/oom.ts';
import type { Shared } from './v5.2/state.ts';
import * as v53 from './v5.3/invalidate-hmm.ts';

export const DRIVER_PROCEEDS = 'the waiting driver eventually proceeds';

interface RetryLocals {
  readonly r: number;
  readonly ret: number;
  readonly ok: boolean | number;
}

const rangeArg = (_g: unknown, my: RetryLocals) => ({ r: my.r });

/** 5.2: register; again: hmm_range_wait_until_valid(); on timeout `goto again`; unregister. */
const retryDriver52 = routine<Shared, RetryLocals, { r: number }>('driver_populate_range', {
  locals: ({ r }) => ({ r, ret: 0, ok: false }),
  body: [
    call(hmm_range_register, rangeArg, { into: 'ret' }),
    step('if (ret) return ret', ({ my, exit }) => {
      if (my.ret !== 0) exit();
    }),
    label('again'),
    call(hmm_range_wait_until_valid, rangeArg, { into: 'ok' }),
    step('hmm_range_snapshot() == -EAGAIN: goto again', ({ my, goto }) => {
      if (!my.ok) goto('again');
    }),
    call(hmm_range_unregister, rangeArg),
  ],
});

/** 5.3: the same loop over the 5.3 inline wait (wait_event_timeout on hmm->wq for range->valid). */
const retryDriver53 = routine<v53.Shared53, RetryLocals, { r: number }>('driver_populate_range', {
  locals: ({ r }) => ({ r, ret: 0, ok: 0 }),
  body: [
    call(v53.hmm_range_register, rangeArg, { into: 'ret' }),
    step('if (ret) return ret', ({ my, exit }) => {
      if (my.ret !== 0) exit();
    }),
    wait_event_timeout(
      'hmm_range_wait_until_valid(&range, TIMEOUT): wait_event_timeout(range->hmm->wq, range->valid, msecs_to_jiffies(timeout))',
      (g) => g.hmm.wq,
      (g, my) => g.ranges[my.r]!.valid,
      'ok',
      { name: 'again' },
    ),
    step('hmm_range_snapshot() == -EAGAIN: goto again', ({ my, goto }) => {
      if (my.ok === 0) goto('again');
    }),
    call(v53.hmm_range_unregister, rangeArg),
  ],
});

function livenessSpec<G extends OomView>(version: '5.2' | '5.3', shared: G, start: AnyRoutine, end: AnyRoutine, waiter: AnyRoutine) {
  const spec = nonblockingSpec<G>('notifier-leak', { version, shared, start, end, waiter });
  const driver = spec.actors.findIndex((a) => a.name === 'driver');
  return { ...spec, properties: [eventually<G>(DRIVER_PROCEEDS, (_g, w) => w.finished(driver))] };
}

const SOURCES = [
  'Documentation/vm/hmm.rst @023a019a9b4e (5.2): driver_populate_range, "hmm_range_wait_until_valid(&range, TIMEOUT_IN_MSEC); goto again;"',
  '"[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in hmm_invalidate_range_start", J. Gunthorpe, 13 Jun 2019 (- lines: 5.2; + lines: 5.3)',
  'include/linux/hmm.h @897e6365cda6 (5.2) hmm_range_wait_until_valid; 5.3 hmm.h: wait_event_timeout(range->hmm->wq, range->valid, ...)',
];

export const retryLivelock52 = defineModel({
  name: 'hmm/v5.2-nonblocking-retry-livelock',
  description: 'Linux 5.2: after the leaked notifier count, a driver that retries on timeout retries for ever (liveness lasso)',
  params: {},
  expected: { verdict: 'violation', property: DRIVER_PROCEEDS },
  sources: SOURCES,
  build: () => livenessSpec('5.2', initialShared52(), hmm_invalidate_range_start_nonblock, hmm_invalidate_range_end, retryDriver52),
});

export const retry53 = defineModel({
  name: 'hmm/v5.3-nonblocking-retry',
  description: 'Linux 5.3: notifiers_decrement undoes the count and wakes the waiter, so the retrying driver proceeds',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => livenessSpec('5.3', v53.initialShared53(), v53.hmm_invalidate_range_start_nonblock, v53.hmm_invalidate_range_end, retryDriver53),
});
