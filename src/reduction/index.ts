/**
 * The explorer's reduction step: which enabled steps to expand (partial-order reduction) and
 * under which key to store a state (symmetry reduction). Both are opt-in per search; the
 * explorer's loop is the same with or without them.
 */
import { fingerprintWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import type { Positions } from '../core/positions.ts';
import type { World } from '../core/world.ts';
import { AmpleSets } from './por.ts';
import { SymmetryKeys, type Representative } from './symmetry.ts';

export { AmpleSets } from './por.ts';
export { SymmetryKeys, permuteWorld, makeRenaming, type Representative } from './symmetry.ts';

export interface ReductionOptions {
  readonly por: boolean;
  readonly symmetry: Representative | false;
  readonly properties: ReadonlySet<string> | undefined;
}

export class Reduction<G> {
  private readonly ampleSets: AmpleSets<G> | undefined;
  private readonly symmetry: SymmetryKeys<G> | undefined;
  /** Enabled steps not expanded because an ample set sufficed. */
  pruned = 0;
  /** States where an ample set was rejected by the cycle proviso and everything was expanded. */
  provisoExpansions = 0;

  constructor(
    private readonly model: Model<G>,
    options: ReductionOptions,
  ) {
    this.ampleSets = options.por ? new AmpleSets(model, options.properties) : undefined;
    this.symmetry = options.symmetry !== false && (model.symmetry?.length ?? 0) > 0 ? new SymmetryKeys(model, options.symmetry) : undefined;
  }

  get active(): { readonly por: boolean; readonly symmetry: Representative | false; readonly porOff?: string } {
    const off = this.ampleSets?.off;
    return {
      por: this.ampleSets !== undefined && off === undefined,
      symmetry: this.symmetry?.mode ?? false,
      ...(off !== undefined ? { porOff: off } : {}),
    };
  }

  /** A step that finishes its thread is visible (see AmpleSets.exitsVisible). */
  get exitsVisible(): boolean {
    return this.ampleSets?.exitsVisible === true;
  }

  get symmetric(): boolean {
    return this.symmetry !== undefined;
  }

  /** The world the visited set stores for `world`: its class representative under symmetry, else itself. */
  representative(world: World<G>): World<G> {
    return this.symmetry ? this.symmetry.representative(world) : world;
  }

  /**
   * Depth at which each stored state was stored, for the cycle proviso (kept only with partial-order
   * reduction), keyed by the stored world's 64-bit fingerprint, so it shares the visited set's
   * (estimated, reported) fingerprint-collision risk. In a parallel search a state stored by another
   * worker has no depth here and counts as not deeper: the state is then expanded fully.
   */
  private readonly depths = new Map<string, number>();

  private depthKey(world: World<G>): string {
    const fp = fingerprintWorld(this.model, world);
    return `${fp.hi}:${fp.lo}`;
  }

  stored(world: World<G>, depth: number): void {
    if (this.ampleSets !== undefined && this.ampleSets.off === undefined) this.depths.set(this.depthKey(world), depth);
  }

  /** The stored state `world` was stored deeper than `depth` (an ample edge to it cannot close a cycle of ample edges). */
  deeper(world: World<G>, depth: number): boolean {
    const d = this.depths.get(this.depthKey(world));
    return d !== undefined && d > depth;
  }

  /**
   * Indices into the enabled steps (their threads are `tids[0..n)`) to expand first, an ample set,
   * or undefined for all of them; `pos` is the state's thread positions and locks.
   */
  ampleAt(pos: Positions, tids: ArrayLike<number>, n: number): readonly number[] | undefined {
    return this.ampleSets?.ampleAt(pos, tids, n);
  }
}
