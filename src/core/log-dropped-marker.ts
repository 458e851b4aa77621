/**
 * The line shown at the top of a capped deploy log (`retention.log_max_bytes`):
 * how much of its start was dropped. Empty when nothing was.
 */
export function droppedLogMarker(droppedBytes: number): string {
  if (droppedBytes <= 0) return '';
  return `[sandbox: the first ${formatBytes(droppedBytes)} of this log were dropped (it was over the stored log cap); the newest output follows]\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
