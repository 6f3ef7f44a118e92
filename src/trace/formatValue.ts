/** One state value as terminal text: strings bare, everything else as JSON, cut at 60 columns. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
