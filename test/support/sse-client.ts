export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Parses complete SSE events out of `text`; returns them and the unfinished rest. */
export function parseSse(text: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line.startsWith('retry:')) continue;
      const at = line.indexOf(':');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length || event !== 'message') events.push({ id, event, data: data.join('\n') });
  }
  return { events, rest };
}

/**
 * Reads an SSE stream until `until(events)` holds, the server ends it, or the
 * time runs out (bounded), then disconnects like a closed browser tab.
 */
export async function readEvents(
  url: string,
  {
    headers = {},
    until = () => false,
    timeoutMs = 10_000,
  }: { headers?: Record<string, string>; until?: (events: SseEvent[]) => boolean; timeoutMs?: number } = {},
): Promise<{ status: number; contentType: string | null; events: SseEvent[]; ended: boolean }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  let ended = false;
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      return { status: response.status, contentType: response.headers.get('content-type'), events, ended: true };
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      while (!until(events)) {
        const { value, done } = await reader.read();
        if (done) {
          ended = true;
          break;
        }
        const parsed = parseSse(buffer + decoder.decode(value, { stream: true }));
        buffer = parsed.rest;
        events.push(...parsed.events);
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
    return { status: response.status, contentType: response.headers.get('content-type'), events, ended };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
