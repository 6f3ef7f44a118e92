/**
 * A swarm worker process that `interleave swarm --local-workers K` starts:
 * `node bin/run-ts.js src/cluster/swarmProcess.ts redis://host:port NAME ID LEASE_MS`.
 * Exits 0 when the run ends, 2 with the error on stderr when it cannot take part.
 */
import { swarmWorker } from './swarm.ts';

const [url, name, id, lease] = process.argv.slice(2);
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());
try {
  await swarmWorker(url!, name!, { ...(id ? { id } : {}), ...(lease ? { leaseMs: Number(lease) } : {}), signal: stop.signal });
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
