/**
 * No stale device mapping: whenever the device maps a page to a physical page, the CPU maps it to
 * the same one, or an invalidation of that page is in progress and has not yet reached the device.
 */
import { always, type Always } from '../src/index.ts';

export interface PageMapping {
  readonly page: string | number;
  /** What the device page table maps the page to (null: nothing). */
  readonly device: number | null;
  /** What the CPU page table maps it to (null: nothing). */
  readonly cpu: number | null;
  /** An invalidation of this page has started and not yet cleared the device entry. */
  readonly invalidating: boolean;
}

export const NO_STALE_MAPPING = 'no stale device mapping';

export function noStaleMapping<G>(pages: (g: G) => readonly PageMapping[]): Always<G> {
  const stale = (g: G): PageMapping[] =>
    pages(g).filter((p) => p.device !== null && p.device !== p.cpu && !p.invalidating);
  return always<G>(
    NO_STALE_MAPPING,
    (g) => stale(g).length === 0,
    (g) =>
      stale(g)
        .map(
          (p) =>
            `the device maps page ${p.page} to pfn ${p.device} but the CPU maps it to ${p.cpu === null ? 'nothing' : `pfn ${p.cpu}`}, with no invalidation in progress`,
        )
        .join('; '),
  );
}
