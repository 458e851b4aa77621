import { unfinishedStates } from '../../core/appserver-state';
import { formatDuration } from '../../core/duration';
import { html, type SafeHtml } from '../../infra/http/html';

const good = new Set(['running', 'succeeded', 'ok']);
const bad = new Set(['failed', 'error', 'refused', 'down']);
const busy = new Set<string>([...unfinishedStates, 'deploying', 'pending']);

/** A state as a small badge whose colour follows its meaning (the word itself carries it too). */
export function badge(state: string): SafeHtml {
  const tone = good.has(state) ? 'ok' : bad.has(state) ? 'bad' : busy.has(state) ? 'warn' : 'muted';
  return html`<span class="badge ${tone}">${state}</span>`;
}

/** `2026-11-21 14:03 UTC`, with the exact ISO time as a tooltip. */
export function when(date: Date | null | undefined): SafeHtml {
  if (!date) return html`<span class="muted">—</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

export function duration(from: Date | null | undefined, to: Date | null | undefined, now: Date): string {
  if (!from) return '—';
  const ms = (to ?? now).getTime() - from.getTime();
  return to ? formatDuration(ms) : `${formatDuration(ms)} so far`;
}

/** `in 3d 4h` / `2h ago`. */
export function relative(date: Date, now: Date): string {
  const ms = date.getTime() - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 8) : '—');
