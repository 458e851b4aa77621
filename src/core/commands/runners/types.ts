import type { QuotaLimits } from '../../quotas/quota-breach';
import type { InstanceStatus } from '../../instance-status';
import type { InstanceView } from '../../instance-view';
import type { MaintenancePort } from '../../maintenance';
import type { ExpiryPolicy } from '../../expiry/expiry-policy';
import type { Actor, Instance } from '../../model';
import type { SandboxLinks } from '../../naming/sandbox-urls';
import type { Campaign, CampaignItem, CampaignOptions } from '../../ports/campaigns';
import type { HostDirectory } from '../../ports/other-ports';
import type { PullRequestRecord, PullRequestRecords } from '../../ports/pull-requests';
import type { Store } from '../../ports/store';
import type { RuntimeLogStore } from '../../ports/runtime-log';
import type { CommandName, SandboxCommand } from '../command-specs';
import type { ManualCatalog } from './manual-catalog';
import type { Permission } from './permissions';

/** Every command that runs (help is a parser reply). */
export type RunnableName = Exclude<CommandName, 'help'>;
export type CommandOf<N extends RunnableName> = Extract<SandboxCommand, { name: N }>;

/** What the runners work with; every surface hands in the same adapters. */
export interface CommandDeps {
  store: Store;
  now(): Date;
  links: SandboxLinks;
  /** The configured repositories manual sandboxes are made from. */
  catalog: ManualCatalog;
  /** TTLs, the warning time and the longest extension (sandbox.yml). */
  expiry: ExpiryPolicy;
  /** Live-sandbox quotas of a repository (`owner/name`); absent: none. */
  quotas?: ((repository: string) => QuotaLimits) | null;
  /** Pull request records, so a PR sandbox is treated alike from every surface (closed, waiting for approval). */
  pullRequests?: Pick<PullRequestRecords, 'findByInstance'> | null;
  /** Maintenance mode: work asked for meanwhile is queued and the answer says so. */
  maintenance?: MaintenancePort | null;
  /** Running appservers' own output (`/sandbox logs --runtime`); absent: the runtime log is not kept. */
  runtimeLogs?: RuntimeLogStore | null;
  /** Reaches the appservers' hosts (recipe tasks); only the CLI hands it in. */
  hosts?: HostDirectory | null;
}

/** The pull request a command was given on (GitHub). */
export interface PullRequestContext {
  record: PullRequestRecord;
  /** When the command's comment was written; null for buttons and for a PR the bot synced only now. */
  commentedAt: Date | null;
}

/** One command from one person on one surface. */
export interface CommandRequest<N extends RunnableName = RunnableName> {
  actor: Actor;
  command: CommandOf<N>;
  /**
   * Asks the surface whether the person may do what the permission allows;
   * throws `not_permitted` (saying who may) otherwise. Who is asking is the
   * surface's business; which permission a command needs is core's.
   */
  authorize(permission: Permission): Promise<void>;
  /** The sandbox when the surface knows it already (a PR's own, a status page's, a button's); otherwise the command's reference is resolved. */
  instance?: Instance | null;
  pullRequest?: PullRequestContext;
  /** Surface facts recorded with the audit event (a Slack channel). */
  auditDetail?: Record<string, unknown>;
  /** For `list mine`: the sandboxes this person asked for on this surface. */
  mine?: () => Promise<number[]>;
}

/** Facts about the sandbox a command acted on, for every surface's words and links. */
export interface SandboxFacts {
  id: number;
  slug: string;
  domain: string;
  statusUrl: string;
  /** Browser URLs of every domain (work when pasted). */
  urls: string[];
}

export interface DeploymentFacts {
  id: number;
  attempts: number;
  activateOnSuccess: boolean;
  commitSha: string | null;
}

/** The surface-neutral answer of each command: what happened, and the facts a surface shows. */
export type CommandAnswer =
  | { name: 'redeploy'; sandbox: SandboxFacts; deployment: DeploymentFacts; restored: boolean }
  | { name: 'restore'; sandbox: SandboxFacts; deployment: DeploymentFacts }
  | { name: 'activate'; sandbox: SandboxFacts; appserver: { id: number; number: number } }
  | { name: 'archive'; sandbox: SandboxFacts; alreadyArchived: boolean }
  | { name: 'delete'; sandbox: SandboxFacts }
  | { name: 'cancel'; sandbox: SandboxFacts; cancelled: number }
  | { name: 'status'; sandbox: SandboxFacts; view: InstanceView; status: InstanceStatus; at: Date }
  | {
      name: 'logs';
      sandbox: SandboxFacts;
      view: InstanceView;
      appserver: number;
      /** Which log: the deploy's output, or the running service's own (`--runtime`). */
      log: 'deploy' | 'runtime';
      text: string;
      lines: number;
      droppedMarker: string;
    }
  | { name: 'extend'; sandbox: SandboxFacts; duration: string; expiresAt: Date }
  | { name: 'pin'; sandbox: SandboxFacts; alreadyPinned: boolean }
  | { name: 'unpin'; sandbox: SandboxFacts; wasPinned: boolean; expiresAt: Date | null }
  | {
      name: 'approve';
      sandbox: SandboxFacts;
      sha: string;
      approvedBy: string;
      alreadyApproved: boolean;
      waitsForReady: boolean;
    }
  | { name: 'list'; filter: string | null; sandboxes: { view: InstanceView; status: InstanceStatus }[] }
  | {
      name: 'create';
      sandbox: SandboxFacts;
      instance: Instance;
      repository: string;
      ref: string;
      deployment: DeploymentFacts | null;
    }
  | {
      name: 'task';
      sandbox: SandboxFacts;
      appserver: number;
      task: string;
      exitCode: number;
      stdout: string;
      stderr: string;
    }
  /** The plan (`started: null`: the eligible sandboxes, for a confirmation) or the campaign started. */
  | { name: 'campaign'; tag: string; options: CampaignOptions; instances: string[]; started: CampaignFacts | null }
  | { name: 'campaign_control'; control: 'pause' | 'resume' | 'cancel'; campaign: CampaignFacts }
  | { name: 'campaigns'; campaigns: CampaignFacts[] };

/** A campaign and its items, in slug order. */
export interface CampaignFacts {
  campaign: Campaign;
  items: CampaignItem[];
}

export type AnswerOf<N extends RunnableName> = Extract<CommandAnswer, { name: N }>;

/** A runner: the one implementation of a command, whichever surface asked. */
export type Runner<N extends RunnableName> = (deps: CommandDeps, request: CommandRequest<N>) => Promise<AnswerOf<N>>;
