/** Which checks a property selection (`--property`, `--no-deadlock`, `--continue`) keeps. */
import { LOCK_DISCIPLINE } from '../core/kernel/mutex.ts';
import { USE_AFTER_FREE } from '../core/kernel/lifetime.ts';
import type { Model } from '../core/model.ts';
import { SLEEP_UNDER_SPINLOCK } from '../core/program.ts';
import { LOCK_ORDER } from './lockOrder.ts';

/** Names `--property` accepts: the model's properties, deadlock, and the built-in assertion names. */
export function selectableProperties<G>(model: Model<G>): string[] {
  return [...model.properties.map((p) => p.name), 'deadlock', LOCK_DISCIPLINE, LOCK_ORDER, SLEEP_UNDER_SPINLOCK, USE_AFTER_FREE, 'assertion'];
}

/**
 * Whether a failed step's check is selected. A model's own `ctx.assert(…, name)` names are not
 * selectable: they count as "assertion", so a selection that names every check but one (as
 * `--no-deadlock` and `--continue` make) still checks them.
 */
export function selectsFailure<G>(model: Model<G>, selected: ReadonlySet<string> | undefined, name: string): boolean {
  if (!selected || selected.has(name)) return true;
  return selected.has('assertion') && !selectableProperties(model).includes(name);
}

