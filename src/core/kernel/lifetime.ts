/**
 * Object lifetime: `struct kref` reference counts and freed memory.
 *
 * An object that can be freed carries a `lifetime(name)`; steps that dereference it call
 * `use(c, obj.life, what)`, and the step that frees it calls `kfree(c, obj.life, what)`. Touching a
 * freed object, or freeing it twice, violates "use after free". A `kref` counts references:
 * `kref_put` says when the last one went (the caller then frees, as a kref release function does);
 * `kref_get` on a count already at zero is a use after free (the kernel's refcount_t warns
 * "addition on 0; use-after-free"). These helpers run inside a step; they are not steps themselves,
 * because the kernel code that uses them does more in the same critical section.
 */
import type { Draft } from 'immer';
import type { StepContext } from '../program.ts';

export const USE_AFTER_FREE = 'use after free';

export interface Lifetime {
  readonly kind: 'object';
  /** The C type or expression, e.g. `struct hmm`. */
  readonly name: string;
  readonly freed: boolean;
}

export interface Kref {
  readonly kind: 'kref';
  readonly name: string;
  readonly refcount: number;
}

export function lifetime(name: string): Lifetime {
  return { kind: 'object', name, freed: false };
}

/** `kref_init`: one reference, held by the creator. */
export function kref(name: string, refcount = 1): Kref {
  return { kind: 'kref', name, refcount };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = StepContext<any, any>;

/** Asserts the object is still allocated; `what` says what the step does with it. */
export function use(c: Ctx, life: Lifetime | Draft<Lifetime>, what: string): void {
  c.assert(!life.freed, `${c.actor}: ${what} after ${life.name} was freed`, USE_AFTER_FREE);
}

/** Frees the object; freeing it twice is a violation. */
export function kfree(c: Ctx, life: Draft<Lifetime>, what: string): void {
  c.assert(!life.freed, `${c.actor}: ${what} frees ${life.name} a second time (double free)`, USE_AFTER_FREE);
  life.freed = true;
}

export function kref_get(c: Ctx, k: Draft<Kref>, what: string): void {
  c.assert(k.refcount > 0, `${c.actor}: ${what}: kref_get on ${k.name} whose count is 0 (use after free)`, USE_AFTER_FREE);
  k.refcount++;
}

/** `kref_get_unless_zero`: takes a reference unless the object is already dying; says whether it did. */
export function kref_get_unless_zero(k: Draft<Kref>): boolean {
  if (k.refcount === 0) return false;
  k.refcount++;
  return true;
}

/** Drops a reference; true when it was the last (the caller must release the object). */
export function kref_put(c: Ctx, k: Draft<Kref>, what: string): boolean {
  c.assert(k.refcount > 0, `${c.actor}: ${what}: kref_put on ${k.name} whose count is already 0 (use after free)`, USE_AFTER_FREE);
  k.refcount--;
  return k.refcount === 0;
}
