/** amdgpu_mn_invalidate_gfx (Linux 5.5+; amdgpu_hmm_invalidate_gfx from 6.1), the userptr BO's interval callback; source quoted in cs.ts. */
import { mutex_lock, mutex_unlock, routine, step, use } from '../../../src/index.ts';
import type { IntervalArgs } from '../nouveau-svm/subscribers.ts';
import type { AmdShared } from './state.ts';

const notifierLock = (g: AmdShared) => g.device.lock;

export const amdgpu_mn_invalidate_gfx = routine<AmdShared, IntervalArgs, IntervalArgs>('amdgpu_mn_invalidate_gfx', {
  locals: (a) => ({ ...a }),
  body: [
    step('if (!mmu_notifier_range_blockable(range)) return false', ({ my, ret }) => {
      if (!my.blockable) ret(false);
    }),
    mutex_lock('mutex_lock(&adev->notifier_lock)', notifierLock),
    step('mmu_interval_set_seq(mni, cur_seq); dma_resv_wait_timeout(bo->tbo.base.resv, ...)  /* the GPU jobs using the pages finish */', (c) => {
      const mni = c.g.mni[c.my.r]!;
      use(c, mni.life, 'mmu_interval_set_seq(mni, cur_seq)');
      mni.invalidate_seq = c.my.cur_seq;
      c.g.device.pte[0] = null;
    }),
    mutex_unlock('mutex_unlock(&adev->notifier_lock)', notifierLock),
    step('return true', ({ ret }) => ret(true)),
  ],
});
