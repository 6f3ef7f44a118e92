import { hideBin } from 'yargs/helpers';
import { processOutput } from './output.ts';
import { SearchThread } from './searchJob.ts';

const argv = hideBin(process.argv);
// `check` searches on this thread, started before the rest of the CLI loads so that both load at once.
const searchThread = argv.includes('check') ? SearchThread.start() : undefined;
try {
  const { runCli } = await import('./cli.ts');
  process.exitCode = await runCli(argv, processOutput(), searchThread ? { searchThread } : {});
} catch (e) {
  process.stderr.write(`interleave: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
} finally {
  await searchThread?.stop();
}
