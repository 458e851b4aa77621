import { BSON, type Document } from 'mongodb';

/**
 * The archive format of `mongodump --archive` (format version 0.1): a magic
 * number, a header document, one metadata document per collection, a
 * terminator, then per collection a segment (namespace header, its
 * documents, a terminator) and an EOF header carrying the CRC-64 (ECMA, as
 * Go's hash/crc64 computes it) of the documents' bytes. Written here as one
 * segment per collection; read back with any number of segments.
 */
const magic = 0x8199e26d;
const terminator = Buffer.from([0xff, 0xff, 0xff, 0xff]);

export interface ArchiveCollection {
  name: string;
  /** The collection's `metadata.json` content: `{ indexes, collectionName, type, options }` (canonical Extended JSON). */
  metadata: Document;
  /** The documents as raw BSON, exactly as the server returned them. */
  documents: Buffer[];
}

/** One database's collections as a mongodump archive (not yet compressed: `--gzip` is the caller's gzip stream). */
export function writeArchive(
  database: string,
  collections: readonly ArchiveCollection[],
  serverVersion: string,
): Buffer {
  const parts: Buffer[] = [int32(magic)];
  parts.push(
    bson({
      concurrent_collections: new BSON.Int32(1),
      version: '0.1',
      server_version: serverVersion,
      tool_version: 'sandbox-bot',
    }),
  );
  for (const collection of collections) {
    const size = collection.documents.reduce((sum, doc) => sum + doc.length, 0);
    parts.push(
      bson({
        db: database,
        collection: collection.name,
        metadata: BSON.EJSON.stringify(collection.metadata, { relaxed: false }),
        size: new BSON.Int32(size),
      }),
    );
  }
  parts.push(terminator);
  for (const collection of collections) {
    if (collection.documents.length > 0) {
      parts.push(bson({ db: database, collection: collection.name, EOF: false, CRC: BSON.Long.fromNumber(0) }));
      parts.push(...collection.documents, terminator);
    }
    const crc = crc64(collection.documents);
    parts.push(
      bson({ db: database, collection: collection.name, EOF: true, CRC: BSON.Long.fromBigInt(BigInt.asIntN(64, crc)) }),
      terminator,
    );
  }
  return Buffer.concat(parts);
}

/** Reads an archive back: every collection with its metadata and documents; a wrong CRC or a cut-off archive throws. */
export function readArchive(archive: Buffer): { database: string | null; collections: ArchiveCollection[] } {
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > archive.length) throw new Error('the archive is cut off');
  };
  const isTerminator = () => archive.readInt32LE(at) === -1;
  const nextDocument = (): Buffer => {
    need(4);
    const size = archive.readInt32LE(at);
    if (size < 5) throw new Error(`a BSON document of ${size} bytes at byte ${at}`);
    need(size);
    const doc = archive.subarray(at, at + size);
    at += size;
    return doc;
  };
  need(4);
  if (archive.readUInt32LE(0) !== magic) throw new Error('not a mongodump archive (wrong magic number)');
  at = 4;
  nextDocument(); // the header
  const byName = new Map<string, ArchiveCollection>();
  let database: string | null = null;
  while ((need(4), !isTerminator())) {
    const meta = BSON.deserialize(nextDocument());
    database = String(meta.db);
    byName.set(String(meta.collection), {
      name: String(meta.collection),
      metadata: BSON.EJSON.parse(String(meta.metadata), { relaxed: false }) as Document,
      documents: [],
    });
  }
  at += 4;
  while (at < archive.length) {
    const header = BSON.deserialize(nextDocument(), { useBigInt64: true });
    const name = String(header.collection);
    const collection = byName.get(name) ?? { name, metadata: {}, documents: [] };
    byName.set(name, collection);
    if (header.EOF) {
      const expected = BigInt.asUintN(64, BigInt(header.CRC as bigint));
      const actual = crc64(collection.documents);
      if (expected !== actual) throw new Error(`CRC mismatch for ${String(header.db)}.${name}`);
    } else {
      while ((need(4), !isTerminator())) collection.documents.push(nextDocument());
    }
    need(4);
    at += 4;
  }
  return { database, collections: [...byName.values()] };
}

const table = (() => {
  // Go's crc64.MakeTable(crc64.ECMA): the reflected ECMA-182 polynomial.
  const poly = 0xc96c5795d7870f42n;
  return Array.from({ length: 256 }, (_, i) => {
    let crc = BigInt(i);
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    return crc;
  });
})();

/** CRC-64 ECMA over the buffers in order, as Go's `crc64.Update` (inverted in and out); `123456789` gives 0x995dc9bbdf1939fa. */
export function crc64(buffers: readonly Buffer[]): bigint {
  let crc = 0xffffffffffffffffn;
  for (const buffer of buffers)
    for (const byte of buffer) crc = table[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  return crc ^ 0xffffffffffffffffn;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0, 0);
  return buffer;
}

function bson(document: Document): Buffer {
  return Buffer.from(BSON.serialize(document));
}
