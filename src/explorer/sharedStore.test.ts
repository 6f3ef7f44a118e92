import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SharedStore, sharedBuffers } from './sharedStore.ts';

/** The keys storeThread.js re-adds, the same ones. */
const key = (i: number) => ({ hi: i + 1, lo: Math.imul(i + 1, 0x9e3779b1) | 1 });

describe('SharedStore', () => {
  it('gives a dictionary value one code in every worker, numbered after the layout\'s own values', () => {
    const buffers = sharedBuffers(2, 1000);
    const a = new SharedStore<unknown>(undefined, buffers);
    const b = new SharedStore<unknown>(undefined, buffers);
    expect(a.dictCode(0, 'committed', 3)).toBe(3);
    expect(b.dictCode(0, 'aborted', 3)).toBe(4);
    expect(b.dictCode(0, 'committed', 3)).toBe(3);
    expect(a.dictCode(0, 'aborted', 3)).toBe(4);
    // Dictionaries are apart, and values of different types are different values.
    expect(a.dictCode(1, 'committed', 1)).toBe(1);
    expect(a.dictCode(0, 1, 3)).toBe(5);
    expect(b.dictCode(0, '1', 3)).toBe(6);
  });

  it('rejects a first table size that is not a power of two of at least 1024', () => {
    expect(() => sharedBuffers(2, 1000, 1000)).toThrow(/power of two of at least 1024/);
    expect(() => sharedBuffers(2, 1000, 512)).toThrow(/power of two of at least 1024/);
  });

  it('a stop at any moment of a growth never lets a worker probe the table while it is rehashed', async () => {
    const thread = (role: string) => new Worker(new URL('../testing/storeThread.js', import.meta.url), { workerData: { role } });
    const prober = thread('prober');
    const stopper = thread('stopper');
    try {
      await Promise.all([once(prober, 'message'), once(stopper, 'message')]);
      // A table of 2^20 slots, so its rehash takes tens of milliseconds: the 734,003rd insert passes load
      // 0.7 and asks for the growth (one more would wait for it).
      const slots = 2 ** 20;
      const keys = Math.floor(((slots - 1) * 7) / 10) + 1;
      for (let round = 0; round < 16; round++) {
        // This thread and the prober are the search's two workers; this one asks for the growth.
        const buffers = sharedBuffers(2, 4_000_000, slots);
        const mine = new SharedStore<unknown>(undefined, buffers);
        for (let i = 0; i < keys; i++) mine.add(key(i), -1, 0, Number.POSITIVE_INFINITY);
        const probed = once(prober, 'message');
        prober.postMessage({ buffers, keys });
        stopper.postMessage({ buffers, keys, stopWithinMs: 60 });
        mine.sync();
        const [{ fresh }] = (await probed) as [{ fresh: number }];
        await once(stopper, 'message');
        // The stop lands before, during or after the rehash; the prober waited for it or called
        // it off, and found every stored state stored.
        expect(fresh).toBe(0);
      }
    } finally {
      await Promise.all([prober.terminate(), stopper.terminate()]);
    }
  }, 60_000);
});

