import type { SettingsError } from '../../../core/settings';

/** A fenced code block that no backtick run inside the text can close early. */
export function codeBlock(text: string, info = ''): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** Settings errors as a Markdown list; the messages carry the line and column. */
export function describeErrors(errors: readonly SettingsError[]): string {
  return errors.map((error) => `- ${inline(error.message)}`).join('\n');
}

/** At most `max` characters, cut at a line break when there is one near the end, with a marker. */
export function truncate(text: string, max: number, marker = '\n…'): string {
  if (text.length <= max) return text;
  const room = Math.max(0, max - marker.length);
  const cut = text.lastIndexOf('\n', room);
  return `${text.slice(0, cut > room * 0.8 ? cut : room)}${marker}`;
}

/** The last `lines` lines of a log, at most `maxChars` characters. */
export function tail(text: string, lines: number, maxChars: number): string {
  const kept = text.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
  return kept.length > maxChars ? `…${kept.slice(kept.length - maxChars + 1)}` : kept;
}

/** One line of text that cannot start Markdown structure or close an HTML comment. */
export function inline(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/-->/g, '--&gt;').replace(/</g, '&lt;');
}
