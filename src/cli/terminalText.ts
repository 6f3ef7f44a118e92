/**
 * Text from a model (labels, actor names, messages, state strings) may hold control characters.
 * Written raw, an escape sequence or a carriage return would rewrite the user's terminal, so
 * everything the CLI prints passes through here: control characters other than the newline
 * become `\u001b`-style escapes (also valid inside JSON strings). With colour on, the SGR colour
 * sequences the palette adds are kept.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function terminalText(text: string, keepColour: boolean): string {
  if (!keepColour) return escapeControls(text);
  let out = '';
  let at = 0;
  for (const m of text.matchAll(SGR)) {
    out += escapeControls(text.slice(at, m.index)) + m[0];
    at = m.index + m[0].length;
  }
  return out + escapeControls(text.slice(at));
}
