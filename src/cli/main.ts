import { hideBin } from 'yargs/helpers';
import { runCli } from './cli.ts';
import { processOutput } from './output.ts';

try {
  process.exitCode = await runCli(hideBin(process.argv), processOutput());
} catch (e) {
  process.stderr.write(`interleave: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
}
