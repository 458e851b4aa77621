/**
 * Promise wrappers over ssh2's SFTP callbacks, with reads and writes split
 * into chunks kept in flight together (one request at a time would cost a
 * round trip per 64 KiB).
 */
import type { SFTPWrapper } from 'ssh2';

const noSuchFile = 2; // SSH_FX_NO_SUCH_FILE
const chunkBytes = 64 * 1024;
const inFlight = 16;

export function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === noSuchFile;
}

function call<T>(start: (done: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

export function openFile(sftp: SFTPWrapper, path: string, flags: 'r' | 'w', mode?: number): Promise<Buffer> {
  return call((done) => sftp.open(path, flags, mode === undefined ? {} : { mode }, done));
}

export function closeFile(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return call<void>((done) => sftp.close(handle, (error) => done(error, undefined)));
}

/** Writes `data` from position 0, several chunks in flight. */
export async function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < data.length) {
      const position = next;
      const length = Math.min(chunkBytes, data.length - position);
      next += length;
      await call<void>((done) =>
        sftp.write(handle, data, position, length, position, (error) => done(error, undefined)),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, Math.ceil(data.length / chunkBytes)) }, worker));
}

/** Reads up to `maxBytes` from `offset`; stops at the first short read (end of file), so the result is contiguous. */
export async function readRange(sftp: SFTPWrapper, handle: Buffer, offset: number, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let position = offset;
  let remaining = maxBytes;
  while (remaining > 0) {
    const batch: Array<Promise<{ bytes: Buffer; wanted: number }>> = [];
    for (let i = 0; i < inFlight && remaining > 0; i += 1) {
      const wanted = Math.min(chunkBytes, remaining);
      batch.push(readChunk(sftp, handle, position, wanted).then((bytes) => ({ bytes, wanted })));
      position += wanted;
      remaining -= wanted;
    }
    for (const { bytes, wanted } of await Promise.all(batch)) {
      parts.push(bytes);
      if (bytes.length < wanted) return Buffer.concat(parts);
    }
  }
  return Buffer.concat(parts);
}

function readChunk(sftp: SFTPWrapper, handle: Buffer, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  return call((done) =>
    sftp.read(handle, buffer, 0, length, position, (error, bytesRead) =>
      done(error, buffer.subarray(0, bytesRead ?? 0)),
    ),
  );
}

/** Renames over an existing target (posix-rename@openssh.com); plain SFTP rename where the server lacks the extension. */
export function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return call<void>((done) => {
    try {
      sftp.ext_openssh_rename(from, to, (error) => done(error, undefined));
    } catch {
      // ssh2 throws synchronously when the server did not announce the extension.
      sftp.rename(from, to, (error) => done(error, undefined));
    }
  });
}

export function unlinkFile(sftp: SFTPWrapper, path: string): Promise<void> {
  return call<void>((done) => sftp.unlink(path, (error) => done(error, undefined)));
}

export function statSize(sftp: SFTPWrapper, path: string): Promise<number> {
  return call((done) => sftp.stat(path, (error, stats) => done(error, stats?.size ?? 0)));
}

export function readDirNames(sftp: SFTPWrapper, path: string): Promise<string[]> {
  return call((done) =>
    sftp.readdir(path, (error, list) =>
      done(
        error,
        (list ?? []).map((entry) => entry.filename),
      ),
    ),
  );
}
