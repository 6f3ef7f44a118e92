/**
 * One position of the interactive explorer, computed from a replay path: the state, every actor's
 * enabled steps (with the index a path uses), who waits, and how each property stands here.
 */
import { ModelError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { enabledTransitions, transitionLabel } from '../core/transitions.ts';
import { ModelWorldView } from '../core/worldView.ts';
import type { ReplayPath } from '../explorer/result.ts';
import { stateFields, tellStory, threadLine, viewState, type Field, type Story } from './story.ts';
import { replay } from './trace.ts';

export interface PropertyStatus {
  readonly name: string;
  readonly kind: string;
  /** `holds`/`fails` here; `reached`/`not reached` for sometimes; `not checked here` when the kind needs another moment. */
  readonly status: 'holds' | 'fails' | 'reached' | 'not reached' | 'not checked here';
  readonly note?: string;
}

export interface EnabledStep {
  /** The replay-path entry that takes this step. */
  readonly choice: number;
  readonly actor: string;
  readonly routine: string;
  readonly label: string;
}

export interface Position {
  readonly path: string;
  readonly steps: readonly { readonly actor: string; readonly label: string; readonly failed?: string }[];
  readonly fields: readonly Field[];
  readonly threads: readonly { readonly actor: string; readonly text: string; readonly finished: boolean; readonly waitsFor?: string }[];
  readonly enabled: readonly EnabledStep[];
  readonly properties: readonly PropertyStatus[];
  /** What is wrong at this position (a failed step, an invariant, a deadlock), if anything. */
  readonly problem?: string;
}

export function position<G>(model: Model<G>, path: ReplayPath): Position {
  const trace = replay(model, path, { checkDeterminism: false });
  const story: Story = tellStory(model, trace);
  const world = trace.states[trace.states.length - 1] ?? model.initial;
  const view = viewState(model, world);
  const last = trace.steps[trace.steps.length - 1];
  const stopped = last?.failed !== undefined;
  const enabled = stopped
    ? []
    : enabledTransitions(model, world).map((t, choice) => ({
        choice,
        actor: model.actors[t.tid]!.name,
        routine: model.routineAt(t.fn).name,
        label: transitionLabel(model, t),
      }));
  const w = new ModelWorldView(model);
  w.world = world;
  const terminal = enabled.length === 0;
  const properties: PropertyStatus[] = model.properties.map((p) => {
    const run = (f: () => boolean): boolean => {
      try {
        return f();
      } catch (thrown) {
        throw new ModelError(`property "${p.name}" threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { model: model.name });
      }
    };
    switch (p.kind) {
      case 'always':
        return run(() => p.holds(world.shared, w))
          ? { name: p.name, kind: p.kind, status: 'holds' }
          : { name: p.name, kind: p.kind, status: 'fails', ...(p.explain ? { note: p.explain(world.shared, w) } : {}) };
      case 'sometimes':
        return { name: p.name, kind: p.kind, status: run(() => p.reached(world.shared, w)) ? 'reached' : 'not reached' };
      case 'atEnd':
        return terminal && !stopped
          ? { name: p.name, kind: p.kind, status: run(() => p.holds(world.shared, w)) ? 'holds' : 'fails' }
          : { name: p.name, kind: p.kind, status: 'not checked here', note: 'checked when no step is enabled' };
      case 'onExit':
        return { name: p.name, kind: p.kind, status: 'not checked here', note: 'checked when a thread finishes' };
      case 'leadsTo':
      case 'progress':
        return { name: p.name, kind: p.kind, status: 'not checked here', note: 'liveness: checked over whole executions, not one state' };
      default: {
        const never: never = p;
        return never;
      }
    }
  });
  const v = story.verdict;
  return {
    path: path.join('/'),
    steps: trace.steps.map((s) => ({ actor: s.actor, label: s.label, ...(s.failed ? { failed: `${s.failed.property}: ${s.failed.message}` } : {}) })),
    fields: stateFields(view),
    threads: view.threads.map((t) => ({
      actor: t.actor,
      text: threadLine(t),
      finished: t.stack.length === 0,
      ...(t.waitsFor !== undefined ? { waitsFor: t.waitsFor } : {}),
    })),
    enabled,
    properties,
    ...(v.verdict !== 'ok' ? { problem: `${v.verdict === 'deadlock' ? 'deadlock' : `"${v.property}" violated`}: ${v.message ?? ''}` } : {}),
  };
}
