/**
 * Errors thrown at the boundary: a broken model or bad options. Budgets and property failures are
 * results, never exceptions.
 */

/** Where in a model a problem was found: every field that is known is shown to the user. */
export interface ModelErrorSite {
  readonly model?: string;
  readonly actor?: string;
  readonly step?: string;
  /** Replay path (step indices from the initial state) that reaches the state where it happened. */
  readonly path?: string;
}

/** A model is malformed or misbehaves (a step throws, is nondeterministic, stores non-plain data). */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly problem: string,
    readonly site: ModelErrorSite = {},
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(formatModelError(problem, site, hint), options);
  }
}

function formatModelError(problem: string, site: ModelErrorSite, hint: string | undefined): string {
  const where: string[] = [];
  if (site.model !== undefined) where.push(`model ${site.model}`);
  if (site.actor !== undefined) where.push(`actor ${site.actor}`);
  if (site.step !== undefined) where.push(`step "${site.step}"`);
  if (site.path !== undefined) where.push(`replay path ${site.path === '' ? '(initial state)' : site.path}`);
  const head = where.length > 0 ? `${where.join(', ')}: ` : '';
  return `${head}${problem}${hint !== undefined ? `\n  hint: ${hint}` : ''}`;
}

/** Options or command-line arguments that cannot be honoured. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
