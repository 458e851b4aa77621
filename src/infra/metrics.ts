import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Counters the surfaces increment in-process, served at `/metrics` together
 * with the numbers read from the database at scrape time (see
 * metrics-route.ts). They live in this module, not in a deps object, so the
 * GitHub and Slack handlers can count with one import; creating them does no
 * I/O. Label values are event and command names only — never user input
 * or anything that could hold a secret.
 */
export const processMetrics = new Registry();

/** GitHub webhook deliveries received, by event name (`pull_request`, `issue_comment`, …). */
export const webhooksReceived = new Counter({
  name: 'sbx_webhooks_received_total',
  help: 'GitHub webhook deliveries received, by event.',
  labelNames: ['event'] as const,
  registers: [processMetrics],
});

/** Slack slash commands received, by command (`/sandbox`, `/redeploy`, `/activate`). */
export const slashCommandsReceived = new Counter({
  name: 'sbx_slash_commands_received_total',
  help: 'Slack slash commands received, by command.',
  labelNames: ['command'] as const,
  registers: [processMetrics],
});

/** Time to answer the bot's own HTTP requests, by route pattern (never the raw path). */
export const httpRequestDuration = new Histogram({
  name: 'sbx_http_request_duration_seconds',
  help: 'Time to answer HTTP requests to the bot, by method, route pattern and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [processMetrics],
});

/** Routes whose responses stay open (live log streams): their duration is not a latency. */
const streamingRoutes = new Set<string>();
export const markStreamingRoute = (route: string): void => void streamingRoutes.add(route);

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A Router observer: times the request until its response is finished. */
export function observeHttpRequest(req: IncomingMessage, res: ServerResponse, route: string): void {
  if (streamingRoutes.has(route)) return;
  const stop = httpRequestDuration.startTimer();
  const method = knownMethods.has(req.method ?? '') ? req.method! : 'other';
  res.once('finish', () => stop({ method, route, status: String(res.statusCode) }));
}

let defaultsOn = false;
/** Node.js process metrics (memory, CPU, event loop), switched on once per process by the first web surface. */
export function collectProcessDefaults(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: processMetrics });
}
