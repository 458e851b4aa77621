export {
  commandSpecs,
  invocationOf,
  listCommands,
  slackCommandOptions,
  usageOf,
  type CommandHelp,
  type CommandName,
  type CommandSpec,
  type CommandSurface,
  type SandboxCommand,
} from './command-specs';
export {
  findCommentCommand,
  parseCommentCommand,
  parseSandboxCommand,
  renderHelp,
  type CommentOptions,
  type ParseOptions,
  type ParseResult,
  type ReplyReason,
} from './parse-command';
