/**
 * The visited set, keyed by canonical encoding (exact: no collisions), with a parent pointer and
 * the index of the step that first reached each state, so a counterexample is rebuilt by walking
 * parents and replaying steps.
 */
export class StateStore {
  private readonly index = new Map<string, number>();
  private readonly keys: string[] = [];
  private parents = new Int32Array(1024);
  private vias = new Int32Array(1024);
  private depths = new Int32Array(1024);

  get size(): number {
    return this.keys.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Adds a new state; `parent` is -1 for an initial state. Returns its index. */
  insert(key: string, parent: number, via: number, depth: number): number {
    const i = this.keys.length;
    if (i === this.parents.length) this.grow();
    this.index.set(key, i);
    this.keys.push(key);
    this.parents[i] = parent;
    this.vias[i] = via;
    this.depths[i] = depth;
    return i;
  }

  depth(i: number): number {
    return this.depths[i]!;
  }

  key(i: number): string {
    return this.keys[i]!;
  }

  /** Step indices from the initial state to state `i`. */
  pathTo(i: number): number[] {
    const path: number[] = [];
    for (let at = i; this.parents[at]! >= 0; at = this.parents[at]!) path.push(this.vias[at]!);
    return path.reverse();
  }

  /** Encodings of the states along the path to `i`, initial first (for replay cross-checks). */
  keysTo(i: number): string[] {
    const keys: string[] = [];
    for (let at = i; at >= 0; at = this.parents[at]!) keys.push(this.keys[at]!);
    return keys.reverse();
  }

  private grow(): void {
    const n = this.parents.length * 2;
    const grown = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.parents = grown(this.parents);
    this.vias = grown(this.vias);
    this.depths = grown(this.depths);
  }
}
