export { runners } from './registry';
export { runCommand, type CommandResult } from './run-command';
export { commandPermissions, isRead, type Permission } from './permissions';
export type { ManualCatalog, ManualRepository } from './manual-catalog';
export type {
  AnswerOf,
  CampaignFacts,
  CommandAnswer,
  CommandDeps,
  CommandOf,
  CommandRequest,
  DeploymentFacts,
  PullRequestContext,
  RunnableName,
  Runner,
  SandboxFacts,
} from './types';
