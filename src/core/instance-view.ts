import type { Appserver, Deployment, Instance } from './model';
import { sandboxUrls, statusPageUrl, type SandboxLinks } from './naming/sandbox-urls';
import type { Store } from './ports/store';
import { readTogether } from './read-together';

/** Everything a view of one instance shows (a Slack message, a command's answer), read once. */
export interface InstanceView {
  instance: Instance;
  appservers: Appserver[];
  deployments: Deployment[];
  /** The sandbox's tags (absent in views built before tags were read). */
  tags?: string[];
  links: { status: string; sandboxes: string[] };
}

/** Reads what a view of one instance shows: its appservers and deployments, and the links. */
export async function loadInstanceView(store: Store, instance: Instance, links: SandboxLinks): Promise<InstanceView> {
  const [appservers, deployments, tags] = await readTogether(store, [
    () => store.listAppservers(instance.id),
    () => store.listDeployments(instance.id),
    () => store.listTags(instance.id),
  ]);
  return {
    instance,
    appservers,
    deployments,
    tags,
    links: {
      status: statusPageUrl(links.publicUrl, instance.slug),
      sandboxes: sandboxUrls([instance.domain, ...instance.extraDomains], links),
    },
  };
}
