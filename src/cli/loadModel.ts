/** Finds a model by registry name or loads it from a `.ts`/`.js` file, with diagnosing errors. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModelError, UsageError } from '../core/errors.ts';
import { isModelDefinition, type AnyModelDefinition } from '../core/model.ts';
import { catalog } from '../../models/index.ts';
import type { ModelSource } from '../explorer/parallel.ts';

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

/**
 * Where a loaded definition can be imported from on its own: a parallel-search worker imports
 * just that module (and what it imports), not the whole registry, which halves its start-up.
 * A model file is its own source; a registered model is found among the modules under models/
 * by identity, a module exporting it directly before one exporting it in a list; the registry
 * itself is the last resort.
 */
export async function locateModel(spec: string, definition: AnyModelDefinition): Promise<ModelSource> {
  if (MODEL_FILE.test(spec) || findRegistered(spec) !== definition) {
    const url = pathToFileURL(resolve(spec)).href;
    const found = exportPath((await import(url)) as Record<string, unknown>, definition, false);
    if (found) return { url, path: found };
  } else {
    // The registry has imported every registered module already, so these imports are cached. A
    // file there that does not import (work in progress, not registered) cannot hold the model.
    const settled = await Promise.allSettled(
      modelFiles(fileURLToPath(MODELS_DIR)).map(async (file) => {
        const url = pathToFileURL(file).href;
        return { url, exports: (await import(url)) as Record<string, unknown> };
      }),
    );
    const modules = settled.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    for (const inLists of [false, true]) {
      for (const m of modules) {
        const found = exportPath(m.exports, definition, inLists);
        if (found) return { url: m.url, path: found };
      }
    }
  }
  const index = catalog.indexOf(definition);
  if (index < 0) throw new UsageError(`cannot locate the module that exports ${spec}; load it from a file that exports it`);
  return { url: new URL('index.ts', MODELS_DIR).href, path: ['catalog', index] };
}

const MODELS_DIR = new URL('../../models/', import.meta.url);

function exportPath(exports: Record<string, unknown>, definition: AnyModelDefinition, inLists: boolean): (string | number)[] | undefined {
  for (const [key, value] of Object.entries(exports)) {
    if (!inLists && value === definition) return [key];
    if (inLists && Array.isArray(value) && value.includes(definition)) return [key, value.indexOf(definition)];
  }
  return undefined;
}

/** The model modules under a folder: `.ts` files other than tests and the registry itself. */
function modelFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modelFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && e.name !== 'index.ts' ? [path] : [];
  });
}
