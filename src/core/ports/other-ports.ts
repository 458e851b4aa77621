import type { Host, Instance, RecipePhases } from '../model';
import type { HostTransport } from './host-transport';

/** Reaches a host: the local machine or an SSH connection (cached per host by the adapter). */
export interface HostDirectory {
  transportFor(host: Host): HostTransport;
}

/**
 * DNS records for sandbox domains (wildcard: nothing to do). Records point at
 * the load balancer, which the provider knows from its configuration (not at
 * the appserver's host). Both calls are safe to run twice.
 */
export interface DnsProvider {
  readonly kind: string;
  ensure(domains: string[]): Promise<void>;
  remove(domains: string[]): Promise<void>;
  /** Whether the credentials work for the configured zone (for `sbx doctor`); absent: nothing to check. */
  check?(): Promise<{ ok: boolean; detail: string }>;
}

/** One HTTP GET for health checks: the status code, or null when nothing answered (or `signal` aborted it). */
export type HealthProbe = (
  url: string,
  timeoutMs: number,
  options?: { method?: string; host?: string; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{ status: number | null; error?: string }>;

/** A field a recipe declares (SPEC §2.5): a PR key (or an alias) overrides it, then repository, global and recipe defaults. */
export interface RecipeField {
  name: string;
  /** The recipe's own default, weaker than repository and global defaults; null: no value unless configured. */
  default: string | null;
  /** Other PR keys that set the field (the predecessor's spellings). */
  aliases?: readonly string[];
  /** The recipe's default when it follows fields resolved before this one (built-in fields come first); null: `default`. */
  defaultFrom?: (fields: Readonly<Record<string, string>>) => string | null;
  description: string;
}

/** How the bot decides an appserver answers (`GET /heartbeat` with the LMS Host header, below 400, for Open edX). */
export interface HealthCheck {
  path: string;
  method: 'GET' | 'HEAD' | 'OPTIONS';
  timeoutMs: number;
  /** Send the sandbox's main domain as the Host header (web servers that route by name). */
  hostHeader: boolean;
  /** Highest status that counts as healthy: 299 (2xx) or 399 (below 400). */
  maxStatus: number;
}

/** A check of one extra domain (e.g. Studio's heartbeat) that must pass before the appserver counts as running. */
export interface SmokeCheck {
  /** The extra domain's prefix (`studio` checks `studio-<slug>.<base domain>`). */
  prefix: string;
  path: string;
}

/** What every load balancer applies to a recipe's routes. */
export interface ProxySettings {
  /** Send X-Forwarded-Proto, -Host and -For to the appserver. */
  forwardedHeaders: boolean;
  /** Largest request body (uploads such as course imports). */
  maxBodyBytes: number;
  connectTimeoutMs: number;
  /** How long the appserver may take to answer (and between two reads). */
  readTimeoutMs: number;
}

/** What a recipe adds to vars.yml, computed when an appserver is created; the merged settings win over it. */
export interface RecipeVarsInput {
  slug: string;
  /** Main domain first, then one per extra domain prefix. */
  domains: readonly string[];
  prefixes: readonly string[];
  fields: Readonly<Record<string, string>>;
  repoUrl: string;
  /** The commit to deploy, or else the ref. */
  version: string;
}

/** A recipe as provisioning needs it (SPEC §5): declarations plus phases run by the host-side runner. */
export interface Recipe {
  name: string;
  fields: readonly RecipeField[];
  extraDomainPrefixes: string[];
  healthPath: string;
  healthTimeoutMs: number;
  health?: HealthCheck;
  smokeChecks?: readonly SmokeCheck[];
  proxy?: ProxySettings;
  phases: RecipePhases;
  /** Named one-off tasks (`sbx task <instance> <name>`): shell text run in the active appserver's work directory. */
  tasks?: Readonly<Record<string, string>>;
  generateVars?(input: RecipeVarsInput): Record<string, unknown>;
}

/** Finds the recipe and clone URL for an instance (from the configuration of its repository). */
export interface RecipeBook {
  /** Throws SandboxError('usage') naming what is missing when the instance's repository has no usable recipe. */
  recipeFor(instance: Instance): Recipe;
}

/** Minimal structured logger core writes to (pino satisfies it). */
export interface CoreLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}
