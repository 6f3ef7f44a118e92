import { terminalText } from './terminalText.ts';

/** Where the CLI writes; injected so tests can capture it. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Overwrites the current stderr line (progress); only called when stderr is a terminal. */
  status(text: string): void;
  readonly stderrIsTTY: boolean;
  readonly color: boolean;
  /** Terminal width of stdout, when it is a terminal. */
  readonly columns?: number;
}

export function processOutput(): Output {
  const tty = process.stderr.isTTY === true;
  return {
    stdout: (t) => process.stdout.write(`${t}\n`),
    stderr: (t) => process.stderr.write(`${t}\n`),
    status: (t) => process.stderr.write(`\r\x1b[2K${t}`),
    stderrIsTTY: tty,
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb',
    ...(process.stdout.isTTY === true && process.stdout.columns ? { columns: process.stdout.columns } : {}),
  };
}

/** The same output with model-provided control characters escaped (see terminalText.ts). */
export function safeOutput(out: Output): Output {
  return {
    ...out,
    stdout: (t) => out.stdout(terminalText(t, out.color)),
    stderr: (t) => out.stderr(terminalText(t, out.color)),
    status: (t) => out.status(terminalText(t, false)),
  };
}
