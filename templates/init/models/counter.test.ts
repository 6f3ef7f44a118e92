import { describe, it } from 'vitest';
import { expectHolds, expectStates, expectVerdict } from 'interleave/testing';
import { model } from './counter.ts';

describe('example/counter', () => {
  it('with the mutex: the declared verdict (pass)', () => {
    expectVerdict(model);
  });

  it('without the mutex: an increment is lost', () => {
    expectVerdict(model, { verdict: 'violation', property: 'no lost update' }, { params: { locked: false } });
  });

  it('the counter never exceeds 2, lock or not', () => {
    expectHolds(model, 'counter within bounds', { params: { locked: false } });
  });

  it('pins the state count, so a change to the model is noticed', () => {
    expectStates(model, 16);
  });
});
