import type { Host, Instance } from '../model';
import type { HostTransport } from './host-transport';

/** Reaches a host: the local machine or an SSH connection (cached per host by the adapter). */
export interface HostDirectory {
  transportFor(host: Host): HostTransport;
}

/** DNS records for sandbox domains (wildcard: nothing to do). */
export interface DnsProvider {
  readonly kind: string;
  ensure(domains: string[], address: string): Promise<void>;
  remove(domains: string[]): Promise<void>;
}

/** One HTTP GET for health checks: the status code, or null when nothing answered. */
export type HealthProbe = (url: string, timeoutMs: number) => Promise<{ status: number | null; error?: string }>;

/** A recipe as provisioning needs it (SPEC §5). */
export interface Recipe {
  name: string;
  /** Extra fields the recipe reads (beyond openedx_release & co). */
  fields: string[];
  extraDomainPrefixes: string[];
  healthPath: string;
  healthTimeoutMs: number;
  phases: { deploy: string; start: string; stop: string | null; destroy: string | null };
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
