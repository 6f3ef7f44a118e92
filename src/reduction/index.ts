/**
 * The explorer's reduction step: which enabled steps to expand (partial-order reduction) and
 * under which key to store a state (symmetry reduction). Both are opt-in per search; the
 * explorer's loop is the same with or without them.
 */
import { encodeWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import type { Transition } from '../core/transitions.ts';
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

  get symmetric(): boolean {
    return this.symmetry !== undefined;
  }

  /** The visited-set key of a world: its encoding, or its representative's. */
  key(world: World<G>, site: { actor?: string; step?: string } = {}): string {
    return this.symmetry ? this.symmetry.key(world, site) : encodeWorld(this.model, world, site);
  }

  /** Depth at which each state was stored, for the cycle proviso (kept only with partial-order reduction). */
  private readonly depths = new Map<string, number>();

  stored(key: string, depth: number): void {
    if (this.ampleSets !== undefined && this.ampleSets.off === undefined) this.depths.set(key, depth);
  }

  /** The stored state `key` was stored deeper than `depth` (an ample edge to it cannot close a cycle of ample edges). */
  deeper(key: string, depth: number): boolean {
    const d = this.depths.get(key);
    return d !== undefined && d > depth;
  }

  /** Indices into `enabled` to expand first (an ample set), or undefined for all of them. */
  ample(world: World<G>, enabled: readonly Transition[]): readonly number[] | undefined {
    return this.ampleSets?.ample(world, enabled);
  }
}
