import type { Instance } from '../../core/model';
import { sandboxUrls, statusPageUrl, type SandboxLinks } from '../../core/naming/sandbox-urls';
import type { Store } from '../../core/ports/store';
import type { InstanceView } from './render/describe';

/** Where sandbox and status-page links point. */
export type LinkSettings = SandboxLinks;

/** Reads what a Slack view of one instance shows: its appservers and deployments, and the links. */
export async function loadInstanceView(store: Store, instance: Instance, links: LinkSettings): Promise<InstanceView> {
  const [appservers, deployments] = await Promise.all([store.listAppservers(instance.id), store.listDeployments(instance.id)]);
  return {
    instance,
    appservers,
    deployments,
    links: {
      status: statusPageUrl(links.publicUrl, instance.slug),
      sandboxes: sandboxUrls([instance.domain, ...instance.extraDomains], links),
    },
  };
}
