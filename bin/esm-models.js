// A resolve hook: a `.ts`/`.mts` file outside node_modules is an ES module, whatever package.json
// says. Without it, a model in a folder with no package.json (or in a CommonJS package) is compiled
// to CommonJS, and its `import … from 'interleave'` then loads a second copy of the checker, which
// Node refuses ("Cannot require() ES Module … in a cycle"). `.cts` files stay CommonJS.
const TYPESCRIPT_MODULE = /\.m?ts$/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const url = resolved.url;
  if (resolved.format === 'module' || !url.startsWith('file:') || url.includes('/node_modules/')) return resolved;
  return TYPESCRIPT_MODULE.test(new URL(url).pathname) ? { ...resolved, format: 'module' } : resolved;
}
