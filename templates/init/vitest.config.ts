import { defineConfig } from 'vitest/config';

export default defineConfig({
  // interleave ships TypeScript sources: let vitest compile them rather than hand them to Node.
  test: { server: { deps: { inline: ['interleave'] } } },
});
