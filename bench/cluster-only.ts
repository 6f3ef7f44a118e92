/** The cluster rows alone: `node bin/run-ts.js bench/cluster-only.ts [--quick]` (see cluster.ts). */
import { clusterRows } from './cluster.ts';

const rows = await clusterRows(process.argv.includes('--quick'));
if (typeof rows === 'string') console.log(rows);
