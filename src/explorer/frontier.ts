import type { World } from '../core/world.ts';
import type { Strategy } from './options.ts';

/** A state waiting to be expanded: its store index, its world and its depth (steps from an initial state). */
export interface Queued<G> {
  readonly index: number;
  readonly world: World<G>;
  readonly depth: number;
}

/** States waiting to be expanded. BFS and DFS differ only here. */
export interface Frontier<G> {
  readonly size: number;
  push(index: number, world: World<G>, depth: number): void;
  /** Removes the next state to expand. Call only when size > 0. */
  pop(): Queued<G>;
}

/** FIFO with a head pointer; the consumed prefix is dropped in bulk, so pop is O(1) amortised. */
class FifoFrontier<G> implements Frontier<G> {
  private ids: number[] = [];
  private depths: number[] = [];
  private worlds: World<G>[] = [];
  private head = 0;

  get size(): number {
    return this.ids.length - this.head;
  }

  push(index: number, world: World<G>, depth: number): void {
    this.ids.push(index);
    this.depths.push(depth);
    this.worlds.push(world);
  }

  pop(): Queued<G> {
    const h = this.head;
    const q = { index: this.ids[h]!, world: this.worlds[h]!, depth: this.depths[h]! };
    this.worlds[h] = undefined as unknown as World<G>;
    this.head = h + 1;
    if (this.head >= 65536 && this.head * 2 >= this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.depths = this.depths.slice(this.head);
      this.worlds = this.worlds.slice(this.head);
      this.head = 0;
    }
    return q;
  }
}

class LifoFrontier<G> implements Frontier<G> {
  private readonly ids: number[] = [];
  private readonly depths: number[] = [];
  private readonly worlds: World<G>[] = [];

  get size(): number {
    return this.ids.length;
  }

  push(index: number, world: World<G>, depth: number): void {
    this.ids.push(index);
    this.depths.push(depth);
    this.worlds.push(world);
  }

  pop(): Queued<G> {
    return { index: this.ids.pop()!, world: this.worlds.pop()!, depth: this.depths.pop()! };
  }
}

export function frontierFor<G>(strategy: Strategy): Frontier<G> {
  return strategy === 'bfs' ? new FifoFrontier<G>() : new LifoFrontier<G>();
}
