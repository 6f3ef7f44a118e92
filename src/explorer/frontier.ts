import type { World } from '../core/world.ts';
import type { Strategy } from './options.ts';

/** States waiting to be expanded. BFS and DFS differ only here. */
export interface Frontier<G> {
  readonly size: number;
  push(index: number, world: World<G>): void;
  /** Removes the next state to expand; `index` is its store index. Call only when size > 0. */
  pop(): { index: number; world: World<G> };
}

/** FIFO with a head pointer; the consumed prefix is dropped in bulk, so pop is O(1) amortised. */
class FifoFrontier<G> implements Frontier<G> {
  private ids: number[] = [];
  private worlds: World<G>[] = [];
  private head = 0;

  get size(): number {
    return this.ids.length - this.head;
  }

  push(index: number, world: World<G>): void {
    this.ids.push(index);
    this.worlds.push(world);
  }

  pop(): { index: number; world: World<G> } {
    const index = this.ids[this.head]!;
    const world = this.worlds[this.head]!;
    this.worlds[this.head] = undefined as unknown as World<G>;
    this.head++;
    if (this.head >= 65536 && this.head * 2 >= this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.worlds = this.worlds.slice(this.head);
      this.head = 0;
    }
    return { index, world };
  }
}

class LifoFrontier<G> implements Frontier<G> {
  private readonly ids: number[] = [];
  private readonly worlds: World<G>[] = [];

  get size(): number {
    return this.ids.length;
  }

  push(index: number, world: World<G>): void {
    this.ids.push(index);
    this.worlds.push(world);
  }

  pop(): { index: number; world: World<G> } {
    return { index: this.ids.pop()!, world: this.worlds.pop()! };
  }
}

export function frontierFor<G>(strategy: Strategy): Frontier<G> {
  return strategy === 'bfs' ? new FifoFrontier<G>() : new LifoFrontier<G>();
}
