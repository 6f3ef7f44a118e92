// Resolve hooks for model files. A `.ts`/`.mts` file outside node_modules is an ES module, whatever
// package.json says: without this, a model in a folder with no package.json (or in a CommonJS
// package) is compiled to CommonJS, and its `import … from 'interleave'` then loads a second copy
// of the checker, which Node refuses ("Cannot require() ES Module … in a cycle"). `.cts` files stay
// CommonJS. And `interleave` itself resolves to the running checker when the model's folder has no
// copy of its own (a model kept in a kernel tree, with no node_modules around it).
const TYPESCRIPT_MODULE = /\.m?ts$/;
const SELF = /^interleave(\/|$)/;

export async function resolve(specifier, context, nextResolve) {
  let resolved;
  try {
    resolved = await nextResolve(specifier, context);
  } catch (e) {
    if (!SELF.test(specifier) || e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    resolved = await nextResolve(specifier, { ...context, parentURL: import.meta.url });
  }
  const url = resolved.url;
  if (resolved.format === 'module' || !url.startsWith('file:') || url.includes('/node_modules/')) return resolved;
  return TYPESCRIPT_MODULE.test(new URL(url).pathname) ? { ...resolved, format: 'module' } : resolved;
}
