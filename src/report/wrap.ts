/** Fitting text into terminal columns: word wrap, truncation with an ellipsis, padding. */

/** Display width, counting every code point as one column (labels are C code, mostly ASCII). */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function truncate(s: string, w: number): string {
  if (width(s) <= w) return s;
  return w <= 1 ? '…'.slice(0, w) : `${[...s].slice(0, w - 1).join('')}…`;
}

export function pad(s: string, w: number): string {
  const n = width(s);
  return n >= w ? s : s + ' '.repeat(w - n);
}

/**
 * Breaks `text` into lines of at most `w` columns, preferring spaces; words longer than a line are
 * cut. More than `maxLines` lines: the last kept line ends in `…`.
 */
export function wrap(text: string, w: number, maxLines = Number.POSITIVE_INFINITY): string[] {
  const lines: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (width(rest) <= w) {
      lines.push(rest);
      break;
    }
    const chars = [...rest];
    let cut = chars.lastIndexOf(' ', w);
    if (cut <= w / 3) cut = w;
    lines.push(chars.slice(0, cut).join('').trimEnd());
    rest = chars.slice(cut).join('').trimStart();
  }
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = truncate(`${kept[maxLines - 1]!} ${lines[maxLines]!}`, w);
    if (!kept[maxLines - 1]!.endsWith('…')) kept[maxLines - 1] = `${truncate(kept[maxLines - 1]!, w - 1)}…`;
    return kept;
  }
  return lines.length > 0 ? lines : [''];
}
