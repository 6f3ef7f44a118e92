import pc from 'picocolors';

/** Colour functions; identity functions when colour is off (NO_COLOR, not a terminal, --json). */
export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function palette(enabled: boolean): Palette {
  const c = pc.createColors(enabled);
  return { red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan, dim: c.dim, bold: c.bold };
}
