/** The public API of interleave: everything a model file or an embedding program may import. */
export { ModelError, UsageError, type ModelErrorSite } from './core/errors.ts';
export type { Frame, Stack, ThreadId, World } from './core/world.ts';
export {
  routine,
  step,
  when,
  either,
  call,
  label,
  type Alternative,
  type AnyRoutine,
  type Effect,
  type Guard,
  type Line,
  type Routine,
  type Statement,
  type StatementOptions,
  type StepContext,
  type WaitsFor,
  type Holders,
} from './core/program.ts';
export {
  defineModel,
  compileModel,
  expectedOf,
  isModelDefinition,
  resolveParams,
  type ActorSpec,
  type AnyModelDefinition,
  type Expected,
  type Model,
  type ModelDefinition,
  type ModelSpec,
  type ParamValue,
  type Params,
  type Verdict,
} from './core/model.ts';
export {
  always,
  sometimes,
  onExit,
  atEnd,
  eventually,
  leadsTo,
  alwaysEventually,
  progress,
  reading,
  type LeadsTo,
  type Progress,
  type ProgressStep,
  type Always,
  type AtEnd,
  type OnExit,
  type Property,
  type PropertyKind,
  type Sometimes,
  type WorldView,
} from './core/property.ts';
export { encode } from './core/canonical.ts';
export type { Symmetry, Renaming } from './core/symmetry.ts';
export type { Footprint } from './core/program.ts';
export { enabledTransitions, applyTransition, transitionLabel, type Transition } from './core/transitions.ts';
export { mutex, mutex_lock, mutex_trylock, mutex_unlock, LOCK_DISCIPLINE, type Mutex } from './core/kernel/mutex.ts';
export {
  rwsem,
  down_read,
  down_read_trylock,
  up_read,
  down_write,
  up_write,
  downgrade_write,
  type RwSemaphore,
} from './core/kernel/rwsem.ts';
export { spinlock, spin_lock, spin_trylock, spin_unlock, SLEEP_UNDER_SPINLOCK, type Spinlock } from './core/kernel/spinlock.ts';
export { waitqueue, wait_event, wait_event_timeout, wake_up_all, wakeUpAll, type WaitQueue } from './core/kernel/waitqueue.ts';
export {
  completion,
  wait_for_completion,
  complete,
  complete_all,
  completeOne,
  completeAll,
  reinit_completion,
  type Completion,
} from './core/kernel/completion.ts';
export {
  lifetime,
  use,
  kfree,
  kref,
  kref_get,
  kref_get_unless_zero,
  kref_put,
  USE_AFTER_FREE,
  type Kref,
  type Lifetime,
} from './core/kernel/lifetime.ts';
export { locksHeld, type HeldLock } from './core/kernel/locksHeld.ts';
export { explore, type ExploreOutcome } from './explorer/explore.ts';
export { checkModel, type CheckOptions } from './explorer/check.ts';
export { checkLiveness, type Fairness, type LivenessResult } from './explorer/liveness.ts';
export { Heartbeat, resolveOptions, type Engine, type ExploreOptions, type Strategy } from './explorer/options.ts';
export {
  formatPath,
  parsePath,
  type BlockedThread,
  type ExploreResult,
  type ProgressReport,
  type ReplayPath,
  type Stats,
  type Witness,
} from './explorer/result.ts';
export { replay, type Trace, type TraceStep } from './trace/trace.ts';
export type { Change } from './trace/diff.ts';
