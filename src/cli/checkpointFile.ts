/**
 * `--checkpoint DIR` and `--resume DIR`: a search's snapshot (src/explorer/checkpoint.ts) as one
 * file, `DIR/search.checkpoint`, replaced atomically: written to a temporary file in DIR, flushed
 * to disk (fsync), renamed over the old one, and the folder flushed, so a run killed at any moment
 * leaves the previous checkpoint or the new one, never a mix.
 *
 * Layout: 16 bytes of magic, the header's length (4 bytes, little-endian), 4 reserved bytes, the
 * header (JSON, padded to 8 bytes), then each typed array's bytes at the offset the header gives.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { SNAPSHOT_FORMAT, type SearchSnapshot, type SnapshotArrays, type SnapshotHeader } from '../explorer/checkpoint.ts';

export const CHECKPOINT_FILE = 'search.checkpoint';
const MAGIC = 'interleave-ckpt\n';
const PREFIX = 24;

/** What the command line adds to the search's own identity: a resumed run must match it too. */
export interface RunIdentity {
  /** The interleave version that wrote the checkpoint. */
  readonly version: string;
  /** `--fairness` (liveness runs after the safety search, from scratch, but the result must be the run's). */
  readonly fairness: string;
  /** SHA-256 of the model file, when the model was given as a file. */
  readonly source: string | null;
}

type ArrayKind = 'Int32' | 'Uint16' | 'Uint32';
interface ArrayEntry {
  readonly name: keyof SnapshotArrays;
  readonly kind: ArrayKind;
  readonly length: number;
  readonly offset: number;
}

/** The JSON part of the file. */
export interface CheckpointHeader {
  readonly run: RunIdentity;
  readonly search: SnapshotHeader;
  readonly arrays: readonly ArrayEntry[];
  /** The file's length in bytes (a shorter file is refused). */
  readonly bytes: number;
  /** When it was written (ISO 8601). */
  readonly written: string;
}

const KINDS = { Int32: Int32Array, Uint16: Uint16Array, Uint32: Uint32Array } as const;

function kindOf(a: SnapshotArrays[keyof SnapshotArrays]): ArrayKind {
  if (a instanceof Int32Array) return 'Int32';
  if (a instanceof Uint16Array) return 'Uint16';
  return 'Uint32';
}

const align8 = (n: number): number => (n + 7) & ~7;

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
}

/** Writes `snapshot` to DIR/search.checkpoint atomically; returns the file's size in bytes. */
export function writeCheckpoint(dir: string, snapshot: SearchSnapshot, run: RunIdentity): number {
  mkdirSync(dir, { recursive: true });
  const entries = (Object.keys(snapshot.arrays) as (keyof SnapshotArrays)[]).filter((k) => snapshot.arrays[k] !== undefined);
  const draft = (offset: number): { header: Uint8Array; arrays: ArrayEntry[]; bytes: number } => {
    const arrays: ArrayEntry[] = [];
    let at = offset;
    for (const name of entries) {
      const a = snapshot.arrays[name]!;
      arrays.push({ name, kind: kindOf(a), length: a.length, offset: at });
      at = align8(at + a.byteLength);
    }
    const header: CheckpointHeader = { run, search: snapshot.header, arrays, bytes: at, written: new Date().toISOString() };
    return { header: new TextEncoder().encode(JSON.stringify(header)), arrays, bytes: at };
  };
  // The arrays' offsets depend on the header's length, which depends on the offsets' digits: settle it.
  let offset = PREFIX + 1024;
  let plan = draft(offset);
  while (align8(PREFIX + plan.header.byteLength) !== offset) {
    offset = align8(PREFIX + plan.header.byteLength);
    plan = draft(offset);
  }
  const tmp = join(dir, `.${CHECKPOINT_FILE}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const prefix = new Uint8Array(PREFIX);
    prefix.set(new TextEncoder().encode(MAGIC));
    new DataView(prefix.buffer).setUint32(16, plan.header.byteLength, true);
    writeAll(fd, prefix, 0);
    writeAll(fd, plan.header, PREFIX);
    plan.arrays.forEach((e) => {
      const a = snapshot.arrays[e.name]!;
      writeAll(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
    });
    const size = fstatSync(fd).size;
    if (size < plan.bytes) writeAll(fd, new Uint8Array(plan.bytes - size), size);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, join(dir, CHECKPOINT_FILE));
  const folder = openSync(dir, 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
  return plan.bytes;
}

function openCheckpoint(dir: string): { fd: number; header: CheckpointHeader } {
  const file = join(dir, CHECKPOINT_FILE);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    throw new UsageError(`no checkpoint in ${dir} (${file} cannot be read): run \`interleave check\` with --checkpoint ${dir} first`);
  }
  try {
    const prefix = new Uint8Array(PREFIX);
    const bad = (why: string): UsageError => new UsageError(`${file} is not a checkpoint interleave can read (${why}): start the search again`);
    if (readSync(fd, prefix, 0, PREFIX, 0) !== PREFIX || new TextDecoder().decode(prefix.subarray(0, 16)) !== MAGIC) throw bad('no checkpoint header');
    const length = new DataView(prefix.buffer).getUint32(16, true);
    const raw = new Uint8Array(length);
    if (readSync(fd, raw, 0, length, PREFIX) !== length) throw bad('cut short');
    const header = JSON.parse(new TextDecoder().decode(raw)) as CheckpointHeader;
    if (header.search?.format !== SNAPSHOT_FORMAT) throw bad(`format ${String(header.search?.format)}, this version reads ${SNAPSHOT_FORMAT}`);
    if (fstatSync(fd).size < header.bytes) throw bad('cut short');
    return { fd, header };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The header of DIR's checkpoint (what it belongs to, how far it got), without its arrays. */
export function readCheckpointHeader(dir: string): CheckpointHeader {
  const { fd, header } = openCheckpoint(dir);
  closeSync(fd);
  return header;
}

/** DIR's checkpoint, whole. */
export function readCheckpoint(dir: string): { header: CheckpointHeader; snapshot: SearchSnapshot } {
  const { fd, header } = openCheckpoint(dir);
  try {
    const arrays: Record<string, Int32Array | Uint16Array | Uint32Array> = {};
    for (const e of header.arrays) {
      const a = new KINDS[e.kind](e.length);
      const bytes = new Uint8Array(a.buffer);
      for (let done = 0; done < bytes.byteLength; ) {
        const n = readSync(fd, bytes, done, bytes.byteLength - done, e.offset + done);
        if (n === 0) throw new UsageError(`${join(dir, CHECKPOINT_FILE)} is cut short: start the search again`);
        done += n;
      }
      arrays[e.name] = a;
    }
    return { header, snapshot: { header: header.search, arrays: arrays as unknown as SnapshotArrays } };
  } finally {
    closeSync(fd);
  }
}

/** How `now` differs from the run a checkpoint was written by, one phrase per field. */
export function runDifferences(saved: RunIdentity, now: RunIdentity): string[] {
  const out: string[] = [];
  if (saved.version !== now.version) out.push(`interleave ${saved.version} wrote it, this is ${now.version}`);
  if (saved.fairness !== now.fairness) out.push(`fairness: ${saved.fairness} in the checkpoint, ${now.fairness} now`);
  if (saved.source !== now.source) out.push('the model file has changed since');
  return out;
}
