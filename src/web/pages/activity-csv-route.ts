import { loadActivityReport, renderActivityCsv } from '../../core/activity/activity-report';
import { createActivityRecords } from '../../infra/db/activity-records';
import type { Router } from '../../infra/http/router';
import { sendProblem } from '../error-words';
import type { StatusDeps } from '../status-deps';
import { pageChrome, signInWords } from './page-chrome';
import { hitsMeasured } from '../../config/request-log';

/** `/activity.csv`: the activity report (as `sbx activity-csv`), for people signed in; never for public_read visitors. */
export function registerActivityCsv(router: Router, deps: StatusDeps): void {
  router.get('/activity.csv', async (req, res) => {
    const viewer = deps.auth.viewer(req);
    if (viewer.login === null || !viewer.canRead) {
      const chrome = await pageChrome(deps, viewer, '/activity.csv');
      return sendProblem(res, 401, 'Sign in first', `${signInWords(deps)} to download the activity report.`, {
        back: '/',
        chrome,
      });
    }
    const rows = await loadActivityReport({
      store: deps.store,
      activity: createActivityRecords(deps.db),
      now: deps.commands.now,
      hitsMeasured: hitsMeasured(deps.config),
    });
    const body = renderActivityCsv(rows);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="activity.csv"',
      'cache-control': 'private, no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
}
