import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compileModel, type Params } from '../core/model.ts';
import { catalog } from '../../models/index.ts';
import { explore } from './explore.ts';
import { exploreParallel } from './parallel.ts';
import { replay } from '../trace/trace.ts';
import { judgeTrace } from '../trace/judge.ts';
import { loadModel, locateModel } from '../cli/loadModel.ts';

/** What the CLI hands the parallel search: the definition and the module the workers import it from. */
async function specOf(model: string, params: Params = {}) {
  const definition = await loadModel(model);
  return { model, params, definition, source: await locateModel(model, definition) };
}

function single(name: string, params: Params = {}) {
  return explore(compileModel(catalog.find((m) => m.name === name)!, params));
}

describe('parallel search (worker threads, shared visited set)', () => {
  it.each([
    ['classic/peterson', {}],
    ['classic/two-phase-commit', { rms: 4 }],
    ['hmm/v5.5-interval-notifier', { munmaps: 2, reclaims: 0 }],
  ] as [string, Params][])('%s %o: 2 workers store the same unique states and transitions as 1 and agree on the verdict', async (name, params) => {
    const one = single(name, params);
    const two = await exploreParallel(await specOf(name, params), { workers: 2, engine: 'reference' });
    expect(two.verdict).toBe(one.verdict);
    if (one.verdict === 'pass') expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions });
  });

  it.each([
    ['classic/peterson', {}],
    ['hmm/v5.5-interval-notifier', {}],
    ['hmm/v5.2-valid-flag', { driver: 'doc' }],
  ] as [string, Params][])('%s %o on the compiled space: 2 workers share one learnt layout and store the same states and transitions as 1', async (name, params) => {
    const definition = catalog.find((m) => m.name === name)!;
    const selection = name === 'hmm/v5.2-valid-flag' ? { properties: ['deadlock'] } : {};
    const one = explore(compileModel(definition, params), selection);
    const two = await exploreParallel(await specOf(name, params), { workers: 2, learnStates: 500, ...selection });
    expect(two.stats.startupMs).toBeDefined();
    expect(two.stats.engine?.name).toBe('compiled');
    expect(two.verdict).toBe(one.verdict);
    expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions });
  });

  it('workers that meet a state the learnt layout cannot hold stop; the layout learns it and the search starts again', async () => {
    const name = 'hmm/v5.5-interval-notifier';
    const definition = catalog.find((m) => m.name === name)!;
    const one = explore(compileModel(definition));
    // Learning from the initial state alone: the workers soon meet new shapes.
    const two = await exploreParallel(await specOf(name), { workers: 2, learnStates: 1 });
    expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions });
    expect(two.stats.engine?.name === 'compiled' ? two.stats.engine.relayouts : -1).toBeGreaterThan(0);
  });

  it('a violation found by a compiled-space worker replays to the failure it reports', async () => {
    const name = 'hmm/v5.2-valid-flag';
    const definition = catalog.find((m) => m.name === name)!;
    const two = await exploreParallel(await specOf(name), { workers: 2, learnStates: 100 });
    expect(two.stats.engine?.name).toBe('compiled');
    // As below: the first failure the workers claim may be the deadlock one step shallower.
    expect(['violation', 'deadlock']).toContain(two.verdict);
    if (two.verdict !== 'violation' && two.verdict !== 'deadlock') return;
    const model = compileModel(definition);
    const judged = judgeTrace(model, replay(model, two.path!));
    expect(judged).toMatchObject(two.verdict === 'violation' ? { verdict: 'violation', property: two.property.name } : { verdict: 'deadlock', property: 'deadlock' });
  });

  it('a violation found by a worker replays to the failure it reports', async () => {
    // Which failure is claimed first depends on how the workers' searches interleave (this model
    // has several, among them a deadlock one step shallower than the first violation), so the
    // check is that the reported one is real.
    const name = 'hmm/v5.2-valid-flag';
    const two = await exploreParallel(await specOf(name), { workers: 2, engine: 'reference' });
    expect(['violation', 'deadlock']).toContain(two.verdict);
    if (two.verdict !== 'violation' && two.verdict !== 'deadlock') return;
    const model = compileModel(catalog.find((m) => m.name === name)!);
    const judged = judgeTrace(model, replay(model, two.path!));
    expect(judged).toMatchObject(two.verdict === 'violation' ? { verdict: 'violation', property: two.property.name } : { verdict: 'deadlock', property: 'deadlock' });
  });

  it.each([
    ['hmm/v5.5-interval-notifier', {}, 'compiled'],
    ['classic/two-phase-commit', { rms: 5 }, 'reference'],
  ] as [string, Params, 'compiled' | 'reference'][])('%s %o (%s space): the shared visited set grows in place while 2 workers search, and stores exactly the states of 1', async (name, params, engine) => {
    const one = single(name, params);
    const two = await exploreParallel(await specOf(name, params), { workers: 2, engine, firstTableSlots: 1024, learnStates: 500 });
    // 1024 slots hold 716 states before growing: the table doubled several times under the workers.
    expect(one.stats.states).toBeGreaterThan(8 * 716);
    expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions });
    expect(two.stats.storeBytes).toBeGreaterThan(8 * 1024 * 8);
  });

  it.each([
    ['classic/peterson', {}, 'pass'],
    ['hmm/v5.2-valid-flag', {}, 'violation'],
  ] as [string, Params, string][])('%s %o: a search that ends within the coordinator\'s first states starts no worker, and is the one search\'s', async (name, params, verdict) => {
    const one = single(name, params);
    const two = await exploreParallel(await specOf(name, params), { workers: 2 });
    expect(two.verdict).toBe(verdict);
    expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions, depth: one.stats.depth });
    expect(two.stats.startupMs).toBeUndefined();
    expect(two.stats.workersNote).toMatch(/^no worker started: the coordinator's first 50,000 states held /);
    if (two.verdict === 'violation' && one.verdict === 'violation') expect(two.path).toEqual(one.path);
  });

  it('values first met deep in the search get codes the workers agree on, with no restart', async () => {
    // tmState "committed" appears only once every resource manager prepared: past a 200-state start.
    const name = 'classic/two-phase-commit';
    const one = single(name, { rms: 5 });
    const two = await exploreParallel(await specOf(name, { rms: 5 }), { workers: 2, learnStates: 200 });
    expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions });
    expect(two.stats.engine).toMatchObject({ name: 'compiled', relayouts: 0 });
  });

  it('a wide model under --workers stops within 2x --timeout, the first search included', async () => {
    const began = Date.now();
    const r = await exploreParallel(await specOf('classic/lost-update', { n: 40 }), { workers: 2, learnStates: 3_000, timeoutMs: 1_500, properties: ['deadlock'] });
    expect(r).toMatchObject({ verdict: 'incomplete', budget: 'timeout' });
    expect(Date.now() - began).toBeLessThan(3_000);
  });

  it("the reported time is the whole run's, the coordinator's first search included", async () => {
    const spec = await specOf('classic/peterson', { n: 4 });
    const began = Date.now();
    const r = await exploreParallel(spec, { workers: 2, learnStates: 150_000, maxStates: 300_000 });
    const wall = Date.now() - began;
    expect(r).toMatchObject({ verdict: 'incomplete', budget: 'maxStates' });
    expect(r.stats.workersNote).toBeUndefined();
    expect(r.stats.elapsedMs).toBeGreaterThan(wall - 50);
  });

  it('rejects a bad worker count', async () => {
    await expect(exploreParallel(await specOf('classic/peterson'), { workers: 0 })).rejects.toThrow('workers must be a positive integer');
  });

  it('workers import a registered model from the module that defines it, not the registry', async () => {
    expect((await specOf('classic/peterson')).source).toMatchObject({ url: expect.stringMatching(/models\/classic\/peterson\.ts$/), path: ['model'] });
    expect((await specOf('hmm/v5.12-nouveau-oom-itree-leak')).source.url).toMatch(/models\/hmm\/v5\.12-oom-itree-leak\.ts$/);
  });

  it('a worker that cannot import the model reports why, naming it', async () => {
    const spec = await specOf('classic/peterson');
    await expect(exploreParallel({ ...spec, source: { url: spec.source.url, path: ['noSuchExport'] } }, { workers: 2, learnStates: 100 })).rejects.toThrow(/found no model at noSuchExport/);
    await expect(exploreParallel({ ...spec, source: { url: `${spec.source.url}.missing.ts`, path: ['model'] } }, { workers: 2, learnStates: 100 })).rejects.toThrow(/could not import classic\/peterson/);
  });
});

describe('parallel search under symmetry', () => {
  it.each([
    ['classic/two-phase-commit', { rms: 3 }],
    ['classic/two-phase-commit', { rms: 5 }],
  ] as [string, Params][])('%s %o: 2 workers on the compiled space store one state per class, as 1 does', async (name, params) => {
    const definition = catalog.find((m) => m.name === name)!;
    const one = explore(compileModel(definition, params), { symmetry: 'canonical' });
    const two = await exploreParallel(await specOf(name, params), { workers: 2, symmetry: 'canonical', learnStates: 50 });
    expect(two.stats.startupMs).toBeDefined();
    expect(two.stats.engine?.name).toBe('compiled');
    expect(two.verdict).toBe(one.verdict);
    expect(two.stats).toMatchObject({ states: one.stats.states, transitions: one.stats.transitions });
    expect(two.stats.reduction?.symmetry).toBe('canonical');
  }, 120_000);

  it('repeats a search without symmetry when symmetric actors nest locks, as one loop does', async () => {
    const path = fileURLToPath(new URL('../testing/fixtures/symmetric-lock-order.ts', import.meta.url));
    const r = await exploreParallel(await specOf(path), { workers: 2, symmetry: true, learnStates: 5 });
    expect(r.verdict).toBe('violation');
    expect(r.verdict === 'violation' && r.property.name).toBe('lock order');
    expect(r.stats.reduction?.symmetryOff).toMatch(/lock-order tracking needs every acquisition/);
  }, 120_000);
});
