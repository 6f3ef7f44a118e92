/**
 * Another thread of the same process that takes mmap_sem for write without touching the driver's
 * pages: mmap() of an unrelated region, vm_mmap_pgoff() in mm/util.c (Linux 5.2):
 * `if (down_write_killable(&mm->mmap_sem)) return -EINTR; ret = do_mmap_pgoff(...);
 * up_write(&mm->mmap_sem);`. It calls no mmu notifier (a new mapping invalidates nothing). Its only
 * role in the models is to queue as a writer on mmap_sem: Linux rwsems then make new readers wait
 * behind it.
 */
import { down_write, routine, step, up_write } from '../../../src/index.ts';
import type { Shared } from './state.ts';

export const mmapWriter = routine<Shared>('vm_mmap_pgoff', {
  body: [
    down_write('down_write_killable(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
    step('do_mmap_pgoff(file, addr, len, prot, flag, pgoff, &populate, &uf)'),
    up_write('up_write(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
  ],
});
