/** Finds a model by registry name or loads it from a `.ts`/`.js` file, with diagnosing errors. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelError, UsageError } from '../core/errors.ts';
import { isModelDefinition, type AnyModelDefinition } from '../core/model.ts';
import { catalog } from '../../models/index.ts';

const MODEL_FILE = /\.(m|c)?(t|j)s$/;

export function findRegistered(name: string): AnyModelDefinition | undefined {
  return catalog.find((m) => m.name === name);
}

export async function loadModel(spec: string): Promise<AnyModelDefinition> {
  const registered = findRegistered(spec);
  if (registered && !MODEL_FILE.test(spec)) return registered;
  const file = resolve(spec);
  if (!existsSync(file)) {
    if (MODEL_FILE.test(spec)) throw new UsageError(`model file not found: ${file}`);
    const close = catalog.filter((m) => m.name.includes(spec) || spec.includes(m.name.split('/').pop() ?? '')).map((m) => m.name);
    throw new UsageError(
      `no model named "${spec}"${close.length > 0 ? `; did you mean ${close.slice(0, 3).join(', ')}?` : ''}\n  hint: \`interleave list\` shows the registered models; a model file path must end in .ts or .js`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    const missing = (cause as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND';
    throw new ModelError(
      `could not load ${spec}: ${msg}`,
      {},
      missing
        ? "the model imports something that is not installed: install it in the model's project (npm i -D <package>), or fix the path; `interleave` itself always resolves to this checker"
        : 'fix the error above; model files are loaded as ES modules (TypeScript through tsx), whatever package.json says',
      { cause },
    );
  }
  const candidates = [mod.model, mod.default, ...Object.values(mod)];
  const found = candidates.find(isModelDefinition);
  if (found) return found;
  const exported = Object.keys(mod);
  const shaped = candidates.find((c) => typeof c === 'object' && c !== null && 'build' in c);
  throw new ModelError(
    shaped
      ? `${spec} exports an object with build() that was not made by defineModel()`
      : `${spec} exports no model (exports: ${exported.length > 0 ? exported.join(', ') : 'none'})`,
    {},
    "write `export const model = defineModel({ name, description, params: {}, build: () => ({ shared, actors, properties }) })` with `import { defineModel } from 'interleave'`",
  );
}
