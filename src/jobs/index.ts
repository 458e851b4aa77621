import type { Task, TaskList } from 'graphile-worker';
import type { JobDeps } from './deps';
import * as activateAppserver from './tasks/activate-appserver';
import * as archiveInstance from './tasks/archive-instance';
import * as cancelInstance from './tasks/cancel-instance';
import * as deployInstance from './tasks/deploy-instance';
import * as expireSandboxes from './tasks/expire-sandboxes';
import * as followAppserver from './tasks/follow-appserver';
import * as followRuntimeLog from './tasks/follow-runtime-log';
import * as probeUptime from './tasks/probe-uptime';
import * as provisionAppserver from './tasks/provision-appserver';
import * as pruneLogs from './tasks/prune-logs';
import * as reconcileHosts from './tasks/reconcile-hosts';
import * as reconcilePullRequests from './tasks/reconcile-pull-requests';
import * as reportCampaign from './tasks/report-campaign';
import * as reportInstance from './tasks/report-instance';
import * as reportPullRequest from './tasks/report-pull-request';
import * as renewCertificate from './tasks/renew-certificate';
import * as retainAppservers from './tasks/retain-appservers';
import * as settleRoute from './tasks/settle-route';
import * as runPrCommand from './tasks/run-pr-command';
import * as sleepIdleSandboxes from './tasks/sleep-idle-sandboxes';
import * as sleepSandbox from './tasks/sleep-sandbox';
import * as sweepRetention from './tasks/sweep-retention';
import * as syncPullRequest from './tasks/sync-pull-request';
import * as terminateAppserver from './tasks/terminate-appserver';
import * as tickCampaign from './tasks/tick-campaign';
import * as wakeSandbox from './tasks/wake-sandbox';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Graphile Worker declares its task payloads in this global namespace.
  namespace GraphileWorker {
    /** Typed payloads for enqueue: a task missing here or in the registry is a compile error. */
    interface Tasks {
      prune_logs: pruneLogs.Payload;
      deploy_instance: deployInstance.Payload;
      provision_appserver: provisionAppserver.Payload;
      follow_appserver: followAppserver.Payload;
      follow_runtime_log: followRuntimeLog.Payload;
      activate_appserver: activateAppserver.Payload;
      cancel_instance: cancelInstance.Payload;
      terminate_appserver: terminateAppserver.Payload;
      archive_instance: archiveInstance.Payload;
      retain_appservers: retainAppservers.Payload;
      settle_route: settleRoute.Payload;
      renew_certificate: renewCertificate.Payload;
      reconcile_hosts: reconcileHosts.Payload;
      report_instance: reportInstance.Payload;
      sync_pull_request: syncPullRequest.Payload;
      run_pr_command: runPrCommand.Payload;
      report_pull_request: reportPullRequest.Payload;
      reconcile_pull_requests: reconcilePullRequests.Payload;
      expire_sandboxes: expireSandboxes.Payload;
      sweep_retention: sweepRetention.Payload;
      tick_campaign: tickCampaign.Payload;
      sleep_idle_sandboxes: sleepIdleSandboxes.Payload;
      sleep_sandbox: sleepSandbox.Payload;
      wake_sandbox: wakeSandbox.Payload;
      probe_uptime: probeUptime.Payload;
      report_campaign: reportCampaign.Payload;
    }
  }
}

type TaskFactories = { [Name in keyof GraphileWorker.Tasks]: (deps: JobDeps) => Task };

/** The one task registry. */
export const taskFactories = {
  prune_logs: pruneLogs.task,
  deploy_instance: deployInstance.task,
  provision_appserver: provisionAppserver.task,
  follow_appserver: followAppserver.task,
  follow_runtime_log: followRuntimeLog.task,
  activate_appserver: activateAppserver.task,
  cancel_instance: cancelInstance.task,
  terminate_appserver: terminateAppserver.task,
  archive_instance: archiveInstance.task,
  retain_appservers: retainAppservers.task,
  settle_route: settleRoute.task,
  renew_certificate: renewCertificate.task,
  reconcile_hosts: reconcileHosts.task,
  report_instance: reportInstance.task,
  sync_pull_request: syncPullRequest.task,
  run_pr_command: runPrCommand.task,
  report_pull_request: reportPullRequest.task,
  reconcile_pull_requests: reconcilePullRequests.task,
  expire_sandboxes: expireSandboxes.task,
  sweep_retention: sweepRetention.task,
  tick_campaign: tickCampaign.task,
  sleep_idle_sandboxes: sleepIdleSandboxes.task,
  sleep_sandbox: sleepSandbox.task,
  wake_sandbox: wakeSandbox.task,
  probe_uptime: probeUptime.task,
  report_campaign: reportCampaign.task,
} satisfies TaskFactories;

export function createTaskList(deps: JobDeps): TaskList {
  return Object.fromEntries(Object.entries(taskFactories).map(([name, factory]) => [name, factory(deps)]));
}

/**
 * Tasks a worker still runs during maintenance: they answer people (a PR
 * command is parsed and its work queued; the pull request and Slack are told
 * "in maintenance: …, queued") and touch no host, load balancer or DNS.
 */
export const maintenanceTaskNames = [
  'run_pr_command',
  'report_pull_request',
  'report_instance',
  'report_campaign',
] as const satisfies readonly (keyof typeof taskFactories)[];

/** Periodic jobs (Graphile crontab syntax). */
export const crontab = [
  '0 4 * * * prune_logs ?jobKey=prune_logs',
  '*/10 * * * * reconcile_hosts ?jobKey=reconcile_hosts',
  '*/15 * * * * reconcile_pull_requests ?jobKey=reconcile_pull_requests',
  '* * * * * expire_sandboxes ?jobKey=expire_sandboxes',
  '*/10 * * * * sweep_retention ?jobKey=sweep_retention',
  '17 * * * * renew_certificate ?jobKey=renew_certificate',
  '* * * * * sleep_idle_sandboxes ?jobKey=sleep_idle_sandboxes',
  '* * * * * probe_uptime ?jobKey=probe_uptime',
].join('\n');
