import { describeQuota, type QuotaBreach } from '../../../core/quotas/quota-breach';
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

/** Why a pull request waits for a quota slot, who holds the quota and how to free one (check run and comment). */
export function describeQuotaWait(breach: QuotaBreach): string {
  const holders = breach.holders.map((h) => (h.prUrl ? `[${h.slug}](${h.prUrl})` : `\`${h.slug}\``));
  const shown = holders.slice(0, 20).join(', ') + (holders.length > 20 ? ` and ${holders.length - 20} more` : '');
  return `This sandbox waits: it would exceed ${describeQuota(breach)}, held by ${shown}. It deploys by itself once a slot is free: comment \`/sandbox archive\` on one of those pull requests, or a maintainer can comment \`/sandbox approve\` here to exceed the quota.`;
}
