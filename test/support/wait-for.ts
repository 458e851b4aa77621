/** Polls `condition` until it holds; bounded, so a test never hangs. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  {
    timeoutMs = 5_000,
    intervalMs = 50,
    what = 'the condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
}
