import { ModelError } from '../core/errors.ts';
import { localsAtExit } from '../core/transitions.ts';
import { describeThrown, type Model } from '../core/model.ts';
import type { Always, AtEnd, OnExit, Property, Sometimes, WorldView } from '../core/property.ts';
import { ModelWorldView } from '../core/worldView.ts';
import type { ThreadId, World } from '../core/world.ts';
import type { PropertyRef } from './result.ts';

export interface Failure {
  readonly property: PropertyRef;
  readonly message: string;
}

/** The model's properties sorted by kind, evaluated against one re-pointed view. */
export class PropertyChecks<G> {
  readonly view: ModelWorldView<G>;
  private readonly always: Always<G>[] = [];
  readonly sometimes: Sometimes<G>[] = [];
  private readonly onExit: OnExit<G>[] = [];
  private readonly atEnd: AtEnd<G>[] = [];

  constructor(
    private readonly model: Model<G>,
    selected?: ReadonlySet<string>,
  ) {
    this.view = new ModelWorldView(model);
    for (const p of model.properties) if (!selected || selected.has(p.name)) this.add(p);
  }

  private add(p: Property<G>): void {
    switch (p.kind) {
      case 'always':
        this.always.push(p);
        return;
      case 'sometimes':
        this.sometimes.push(p);
        return;
      case 'onExit':
        this.onExit.push(p);
        return;
      case 'atEnd':
        this.atEnd.push(p);
        return;
      case 'leadsTo':
      case 'progress':
        return; // checked on the state graph by the liveness search, not state by state
      default: {
        const never: never = p;
        throw new ModelError(`unknown property kind in ${JSON.stringify(never)}`, { model: this.model.name });
      }
    }
  }

  /** Invariants, and `onExit` for a thread that just finished. */
  checkState(world: World<G>, exited: ThreadId | undefined): Failure | undefined {
    this.view.world = world;
    return this.stateFailure(world.shared, this.view) ?? (exited !== undefined ? this.exitFailure(world.shared, this.view, exited) : undefined);
  }

  /** `onExit` checks belong to the transition, not the state: run them on every exit, even into a known state. */
  checkExit(world: World<G>, exited: ThreadId): Failure | undefined {
    this.view.world = world;
    const locals = localsAtExit(world);
    this.view.exiting = locals ? { tid: exited, locals } : undefined;
    try {
      return this.exitFailure(world.shared, this.view, exited);
    } finally {
      this.view.exiting = undefined;
    }
  }

  /** Indices of `sometimes` properties satisfied by this state. */
  reached(world: World<G>, pending: ReadonlySet<number>): number[] {
    this.view.world = world;
    return this.reachedIn(world.shared, this.view, pending);
  }

  /** End-of-run checks in a terminal state that is not a deadlock. */
  checkEnd(world: World<G>): Failure | undefined {
    this.view.world = world;
    for (const p of this.atEnd) {
      if (!this.run(p.name, () => p.holds(world.shared, this.view))) {
        return { property: { name: p.name, kind: 'atEnd' }, message: this.explain(p, world.shared, this.view) };
      }
    }
    return undefined;
  }

  /** The invariants, on any representation of a state: its shared data `g` and a view of its threads. */
  stateFailure(g: G, view: WorldView): Failure | undefined {
    const always = this.always;
    for (let i = 0; i < always.length; i++) {
      const p = always[i]!;
      let holds: boolean;
      try {
        holds = p.holds(g, view);
      } catch (thrown) {
        throw this.threw(p.name, thrown);
      }
      if (!holds) return { property: { name: p.name, kind: 'always' }, message: this.explain(p, g, view) };
    }
    return undefined;
  }

  exitFailure(g: G, view: WorldView, exited: ThreadId): Failure | undefined {
    for (const p of this.onExit) {
      if (!this.run(p.name, () => p.holds(g, view, exited))) {
        const who = view.actorName(exited);
        const why = p.explainExit ? this.run(p.name, () => p.explainExit!(g, view, exited)) : '';
        return { property: { name: p.name, kind: 'onExit' }, message: `${who} finished, violating "${p.name}"${why ? `: ${why}` : ''}` };
      }
    }
    return undefined;
  }

  reachedIn(g: G, view: WorldView, pending: ReadonlySet<number>): number[] {
    if (pending.size === 0) return [];
    const hits: number[] = [];
    for (const i of pending) {
      const p = this.sometimes[i]!;
      if (this.run(p.name, () => p.reached(g, view))) hits.push(i);
    }
    return hits;
  }

  get hasExitChecks(): boolean {
    return this.onExit.length > 0;
  }

  private explain(p: Always<G> | AtEnd<G>, g: G, view: WorldView): string {
    const detail = p.explain ? this.run(p.name, () => p.explain!(g, view)) : '';
    return detail || `${p.kind === 'always' ? 'invariant' : 'end-of-run check'} "${p.name}" does not hold`;
  }

  private run<T>(name: string, f: () => T): T {
    try {
      return f();
    } catch (thrown) {
      throw this.threw(name, thrown);
    }
  }

  private threw(name: string, thrown: unknown): ModelError {
    return new ModelError(`property "${name}" threw: ${describeThrown(thrown)}`, { model: this.model.name }, undefined, { cause: thrown });
  }
}
