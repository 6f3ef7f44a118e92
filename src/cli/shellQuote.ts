/**
 * Quotes words for a POSIX shell so that a printed command runs as shown: plain words stay bare,
 * others go in single quotes, and words with control characters (newlines, escape sequences) use
 * bash/zsh `$'…'` quoting with hex escapes, so that nothing raw reaches the terminal.
 */
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function shellQuote(word: string): string {
  if (BARE.test(word)) return word;
  if (CONTROL.test(word)) {
    const body = [...word]
      .map((c) => {
        const code = c.codePointAt(0)!;
        if (c === "'" || c === '\\') return `\\${c}`;
        return CONTROL.test(c) ? `\\x${code.toString(16).padStart(2, '0')}` : c;
      })
      .join('');
    return `$'${body}'`;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
