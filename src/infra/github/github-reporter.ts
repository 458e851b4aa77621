import type { PullRequestRecords } from '../../core/ports/pull-requests';
import type { Reporter } from '../../core/ports/reporter';
import type { JobQueue } from '../../core/ports/store';
import { requestReport } from './report/request-report';

/**
 * Keeps GitHub current for one instance: when it belongs to a pull request,
 * asks for a report of that pull request (check run, deployment, sticky
 * comment), which the report_pull_request job writes.
 */
export function createGitHubReporter(deps: {
  records: Pick<PullRequestRecords, 'findByInstance'>;
  queue: JobQueue;
}): Reporter {
  return {
    name: 'github',
    async report(instanceId) {
      const record = await deps.records.findByInstance(instanceId);
      if (record) await requestReport(deps.queue, record.id);
    },
  };
}
