/** `interleave init [dir]`: scaffold a model project (package.json, tsconfig, an example model and its test). Never overwrites a file. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import { EXIT } from './exitCodes.ts';
import type { Output } from './output.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEMPLATE = join(ROOT, 'templates', 'init');

/** The scaffold's package.json: interleave, and the test tools at the versions interleave itself is tested with. */
function packageJson(name: string): string {
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
  const dev = (k: string): string => own.devDependencies[k] ?? 'latest';
  const pkg = {
    name: name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+/, '') || 'models',
    private: true,
    type: 'module',
    scripts: { check: 'interleave check models/counter.ts -p locked=false', test: 'vitest run', typecheck: 'tsc --noEmit -p .' },
    devDependencies: { interleave: `^${own.version}`, vitest: dev('vitest'), typescript: dev('typescript'), '@types/node': dev('@types/node') },
    // esbuild (through tsx) works from its platform package; its postinstall only checks that package.
    allowScripts: { esbuild: false },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? templateFiles(join(dir, f)) : [join(dir, f)]));
}

export function runInit(args: { readonly dir: string }, out: Output): number {
  const target = resolve(args.dir);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new UsageError(`${target} exists and is not a folder; name a new or existing folder`);
  const files = new Map<string, string>([['package.json', packageJson(basename(target))]]);
  for (const f of templateFiles(TEMPLATE)) files.set(relative(TEMPLATE, f), readFileSync(f, 'utf8'));
  const written: string[] = [];
  const kept: string[] = [];
  for (const [name, text] of files) {
    const file = join(target, name);
    if (existsSync(file)) {
      kept.push(name);
      continue;
    }
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
    written.push(name);
  }
  for (const name of written) out.stdout(`  created ${name}`);
  for (const name of kept) out.stdout(`  kept    ${name} (it exists; init never overwrites a file)`);
  const near = relative(process.cwd(), target);
  const cd = near === '' ? '.' : near.startsWith('..') ? target : near;
  out.stdout(`\nModel project in ${target}. Next:\n  cd ${cd}\n  npm install\n  npx interleave check models/counter.ts -p locked=false   # a lost update, step by step\n  npm test                                                # the model's pinned verdicts`);
  return EXIT.pass;
}
