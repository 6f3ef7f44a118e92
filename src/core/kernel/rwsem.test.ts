import { describe, expect, it } from 'vitest';
import {
  compileModel,
  defineModel,
  down_read,
  down_write,
  downgrade_write,
  explore,
  routine,
  rwsem,
  up_read,
  up_write,
  type RwSemaphore,
} from '../../index.ts';

interface Shared {
  readonly sem: RwSemaphore;
}
const sem = (g: Shared) => g.sem;

function check(actors: { name: string; routine: ReturnType<typeof routine<Shared>> }[]) {
  const model = compileModel(
    defineModel({ name: 'test/rwsem', description: '', params: {}, build: () => ({ shared: { sem: rwsem('sem') }, actors }) }),
  );
  return explore(model);
}

const writer = routine<Shared>('writer', { body: [down_write('down_write(&sem)', sem), up_write('up_write(&sem)', sem)] });

describe('rw_semaphore', () => {
  it('a recursive down_read deadlocks once a writer queues between the two reads', () => {
    const reader = routine<Shared>('reader', {
      body: [down_read('down_read(&sem)', sem), down_read('down_read(&sem) again', sem), up_read('up_read', sem), up_read('up_read', sem)],
    });
    const r = check([
      { name: 'reader', routine: reader },
      { name: 'writer', routine: writer },
    ]);
    expect(r.verdict).toBe('deadlock');
    if (r.verdict !== 'deadlock') return;
    expect(r.blocked.map((b) => b.actor).sort()).toEqual(['reader', 'writer']);
    expect(r.blocked.find((b) => b.actor === 'reader')!.waitsFor).toContain('writers queued: writer');
    expect(r.path).toHaveLength(2); // reader takes the read side, the writer queues
  });

  it('a single down_read per thread with a writer never deadlocks', () => {
    const reader = routine<Shared>('reader', { body: [down_read('down_read(&sem)', sem), up_read('up_read(&sem)', sem)] });
    const r = check([
      { name: 'r1', routine: reader },
      { name: 'r2', routine: reader },
      { name: 'writer', routine: writer },
    ]);
    expect(r.verdict).toBe('pass');
  });

  it('up_read without holding the read side violates lock discipline', () => {
    const bad = routine<Shared>('bad', { body: [up_read('up_read(&sem)', sem)] });
    const r = check([{ name: 'bad', routine: bad }]);
    expect(r.verdict).toBe('violation');
    if (r.verdict === 'violation') expect(r.property.name).toBe('lock discipline');
  });

  it('downgrade_write turns the write hold into a read hold', () => {
    const munmap = routine<Shared>('munmap', {
      body: [down_write('down_write', sem), downgrade_write('downgrade_write', sem), up_read('up_read', sem)],
    });
    expect(check([{ name: 'munmap', routine: munmap }]).verdict).toBe('pass');
  });
});
