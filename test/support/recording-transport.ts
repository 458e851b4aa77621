import { basename } from 'node:path';
import type { ExecOptions, ExecResult, HostTransport } from '../../src/core/ports/host-transport';

export type TransportEvent = { op: 'exec' | 'write' | 'read' | 'remove' | 'list' | 'size'; detail: string };

/**
 * Wraps a transport to record every call (file names only; an exec whose argv
 * has `-t` is recorded as `test`, one with `reload` as `reload`, others as the
 * joined argv). `exec`/`writeFile` hooks may replace or alter the real call.
 */
export function recording(
  inner: HostTransport,
  hooks: {
    exec?: (argv: readonly string[], real: () => Promise<ExecResult>) => Promise<ExecResult>;
    writeFile?: (
      path: string,
      content: string | Buffer,
      real: (content: string | Buffer) => Promise<void>,
    ) => Promise<void>;
  } = {},
): { transport: HostTransport; events: TransportEvent[]; execs: () => string[] } {
  const events: TransportEvent[] = [];
  const transport: HostTransport = {
    name: inner.name,
    address: inner.address,
    exec(argv: readonly string[], options?: ExecOptions) {
      events.push({
        op: 'exec',
        detail: argv.includes('-t') ? 'test' : argv.includes('reload') ? 'reload' : argv.join(' '),
      });
      const real = () => inner.exec(argv, options);
      return hooks.exec ? hooks.exec(argv, real) : real();
    },
    writeFile(path, content, mode) {
      events.push({ op: 'write', detail: basename(path) });
      const real = (body: string | Buffer) => inner.writeFile(path, body, mode);
      return hooks.writeFile ? hooks.writeFile(path, content, real) : real(content);
    },
    readFile(path, options) {
      events.push({ op: 'read', detail: basename(path) });
      return inner.readFile(path, options);
    },
    fileSize(path) {
      events.push({ op: 'size', detail: basename(path) });
      return inner.fileSize(path);
    },
    listDir(path) {
      events.push({ op: 'list', detail: path });
      return inner.listDir(path);
    },
    remove(path) {
      events.push({ op: 'remove', detail: basename(path) });
      return inner.remove(path);
    },
    close: () => inner.close(),
  };
  return { transport, events, execs: () => events.filter((event) => event.op === 'exec').map((event) => event.detail) };
}

/** An exec result that failed with `stderr`. */
export function failure(stderr: string): ExecResult {
  return { code: 1, signal: null, stdout: '', stderr };
}
