import { encode } from '../core/canonical.ts';

/** One field a step changed, addressed like `hmm.notifiers` or `driver0.ret`. */
export interface Change {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Field-level differences between two plain values. Identical references are skipped without a
 * look inside, so diffing immer successors costs in proportion to what changed.
 */
export function diff(before: unknown, after: unknown, prefix = '', out: Change[] = []): Change[] {
  if (before === after) return out;
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) diff(before[k], after[k], prefix === '' ? k : `${prefix}.${k}`, out);
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    for (let i = 0; i < before.length; i++) diff(before[i], after[i], `${prefix}[${i}]`, out);
    return out;
  }
  if (before === undefined || after === undefined || encode(before) !== encode(after)) {
    out.push({ path: prefix, from: before ?? null, to: after ?? null });
  }
  return out;
}

