import type { CliRuntime } from './runtime';

/**
 * Polls a sandbox being deleted until its data is gone (`deletedAt`),
 * reporting each appserver terminated on the way; bounded by `timeoutMs`.
 * Steps: one per appserver still up when the delete began, then the rest
 * (the recipe's destroy phase and the directories).
 */
export async function waitForDeletion(
  { provisioning: { store } }: CliRuntime,
  instanceId: number,
  {
    timeoutMs,
    progress,
  }: {
    timeoutMs: number;
    progress: (done: number, total: number, step: string) => void;
  },
): Promise<{ ok: boolean; summary: string }> {
  const deadline = Date.now() + timeoutMs;
  const live = (await store.listAppservers(instanceId)).filter((a) => a.state !== 'terminated').map((a) => a.id);
  const total = live.length + 1;
  for (;;) {
    const instance = await store.getInstance(instanceId);
    if (!instance || instance.deletedAt) {
      progress(total, total, 'deleted');
      return { ok: true, summary: `${instance?.slug ?? `sandbox ${instanceId}`} is deleted` };
    }
    const appservers = await store.listAppservers(instanceId);
    const terminated = appservers.filter((a) => live.includes(a.id) && a.state === 'terminated').length;
    progress(
      terminated,
      total,
      terminated < live.length
        ? `stopping appservers (${terminated}/${live.length} terminated)`
        : 'removing its data and directories',
    );
    if (Date.now() >= deadline)
      return {
        ok: false,
        summary: `gave up waiting after ${Math.round(timeoutMs / 1000)}s (the deletion goes on; \`sbx status ${instance.slug}\` shows it)`,
      };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
