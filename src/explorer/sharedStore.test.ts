import { describe, expect, it } from 'vitest';
import { SharedStore, sharedBuffers } from './sharedStore.ts';

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
});
