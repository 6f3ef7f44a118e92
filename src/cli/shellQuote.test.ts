import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './shellQuote.ts';

describe('shellQuote', () => {
  it('leaves plain words bare', () => {
    expect(shellCommand(['npx', 'interleave', 'replay', 'hmm/v5.2-valid-flag', '0/1/2', '-p', 'driver=doc'])).toBe('npx interleave replay hmm/v5.2-valid-flag 0/1/2 -p driver=doc');
  });

  it('quotes spaces, semicolons, quotes and control characters so bash reads the words back unchanged', () => {
    const words = ['a b', 'x;rm -rf /', "it's", 'line\nbreak', '\u001b[31mred', '$HOME', '`id`', 'back\\slash', ''];
    const echoed = execFileSync('bash', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`]).toString('utf8');
    expect(echoed.split('\0').slice(0, -1)).toEqual(words);
    for (const w of words) expect(shellQuote(w)).not.toMatch(/[\n\u001b]/);
  });
});
