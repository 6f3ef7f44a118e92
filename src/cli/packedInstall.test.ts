/**
 * The installable package, as a user gets it: `npm pack`, then `interleave init` and an install of
 * the tarball in a fresh folder outside the repository, with no network (the dependencies come from
 * npm's cache through a lockfile derived from ours). There `npx interleave check` runs a model with
 * no package.json around it and one in a CommonJS package, and the scaffold's own tests and
 * type-check pass.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const own = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, any>;

function run(cmd: string, args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The scaffold's lockfile: our locked dependency tree, with interleave from the tarball. */
function lockFor(project: string, tarball: string): void {
  const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  pkg.devDependencies.interleave = `file:${tarball}`;
  writeFileSync(join(project, 'package.json'), JSON.stringify(pkg, null, 2));
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
  lock.name = pkg.name;
  lock.packages[''] = { name: pkg.name, devDependencies: pkg.devDependencies };
  lock.packages['node_modules/interleave'] = {
    version: own.version,
    resolved: `file:${tarball}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(join(project, tarball))).digest('base64')}`,
    dev: true,
    license: own.license,
    dependencies: own.dependencies,
    bin: own.bin,
    engines: own.engines,
  };
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
}

describe('the packed tarball, installed outside the repository', () => {
  const root = mkdtempSync(join(tmpdir(), 'interleave-pack-'));
  const project = join(root, 'models-project');
  let tarball = '';

  beforeAll(() => {
    tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', root], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').pop()!;
    const init = run('node', [join(REPO, 'bin/interleave.js'), 'init', project], root);
    expect(init.code, init.stderr).toBe(0);
    lockFor(project, `../${tarball}`);
    const install = run('npm', ['install', '--offline'], project);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('allowScripts');
  }, 240_000);

  it('npx interleave check runs the scaffold\'s model and prints its counterexample', () => {
    const r = run('npx', ['interleave', 'check', 'models/counter.ts', '-p', 'locked=false'], project);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('"no lost update" (atEnd) is violated');
    expect(r.stdout).toContain('Replay with: npx interleave replay models/counter.ts');
  });

  it("the scaffold's own npm test and type-check pass", () => {
    const test = run('npm', ['test'], project);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    const types = run('npx', ['tsc', '--noEmit', '-p', '.'], project);
    expect(types.code, types.stdout).toBe(0);
  }, 120_000);

  it('a model with no package.json around it, and one in a CommonJS package, both load', () => {
    const model = readFileSync(join(project, 'models/counter.ts'), 'utf8');
    const loose = join(root, 'kernel-tree', 'drivers');
    mkdirSync(loose, { recursive: true });
    writeFileSync(join(loose, 'counter.ts'), model);
    const cjs = join(project, 'legacy');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
    writeFileSync(join(cjs, 'counter.ts'), model);
    for (const file of [join(loose, 'counter.ts'), join(cjs, 'counter.ts')]) {
      const r = run('npx', ['interleave', 'check', file, '--json'], project);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ model: 'example/counter', verdict: 'pass', stats: { states: 16 } });
    }
  });

  it('init never overwrites a file', () => {
    const file = join(project, 'models/counter.ts');
    writeFileSync(file, '// mine\n');
    const again = run('npx', ['interleave', 'init', '.'], project);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('kept    models/counter.ts');
    expect(readFileSync(file, 'utf8')).toBe('// mine\n');
  });
});
