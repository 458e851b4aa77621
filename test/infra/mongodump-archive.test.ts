import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BSON, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMongodbAdmin } from '../../src/infra/databases/mongodb-admin';
import { crc64, readArchive } from '../../src/infra/databases/mongodump-archive';
import { startFakeMongodb, type FakeMongodb } from '../support/fake-mongodb';

// A FAKE MongoDB (test/support/fake-mongodb.ts): no MongoDB server can be installed here, and no mongodump/mongorestore
// either, so the archive is checked against the published format (magic, header, metadata, segments, CRC-64), not a tool.
let mongo: FakeMongodb;
let client: MongoClient;
const dir = mkdtempSync(join(tmpdir(), 'sbx-mongo-archive-'));

beforeAll(async () => {
  mongo = await startFakeMongodb();
  client = new MongoClient(mongo.url);
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await mongo?.close();
  expect(mongo.unexpected).toEqual([]);
});

describe('MongoDB snapshots as mongodump archives', () => {
  it('computes the CRC-64 mongodump checks (ECMA, as Go computes it)', () => {
    expect(crc64([Buffer.from('123456789')]).toString(16)).toBe('995dc9bbdf1939fa');
    expect(crc64([Buffer.from('1234'), Buffer.from('56789')]).toString(16)).toBe('995dc9bbdf1939fa');
  });

  it('dumps a database to a gzip mongodump archive and loads it back, types, indexes and users kept', async () => {
    const admin = createMongodbAdmin(mongo.url);
    await admin.ensure({ user: 'snap_user', password: 'pw-1', names: ['snap_app'] });
    const notes = client.db('snap_app').collection('notes');
    await client.db('snap_app').command({ createIndexes: 'notes', indexes: [{ key: { body: 1 }, name: 'body_1' }] });
    await notes.insertMany([
      { body: 'first', count: new BSON.Int32(1), big: BSON.Long.fromNumber(2 ** 40), ratio: new BSON.Double(2) },
      { body: 'second', tags: ['a', 'b'], at: new Date('2026-01-01T00:00:00Z') },
    ]);
    await client
      .db('snap_app')
      .collection('empty')
      .insertMany([])
      .catch(() => undefined);
    const before = mongo.documents('snap_app', 'notes').map((doc) => Buffer.from(BSON.serialize(doc)));

    const file = join(dir, 'mongodb-snap_app.archive.gz');
    const bytes = await admin.dump!('snap_app', file);
    const archive = gunzipSync(readFileSync(file));
    expect(bytes).toBe(readFileSync(file).length);
    expect([...archive.subarray(0, 4)]).toEqual([0x6d, 0xe2, 0x99, 0x81]);
    const header = BSON.deserialize(archive.subarray(4, 4 + archive.readInt32LE(4)));
    expect(header).toMatchObject({ concurrent_collections: 1, version: '0.1', server_version: '7.0.0-fake' });
    const read = readArchive(archive);
    expect(read.database).toBe('snap_app');
    const [collection] = read.collections;
    expect(collection!.name).toBe('notes');
    expect(collection!.documents).toEqual(before);
    expect((collection!.metadata.indexes as { name: string }[]).map((i) => i.name)).toEqual(['_id_', 'body_1']);

    // Changed after the snapshot, then restored: the archive's content replaces it.
    await notes.insertOne({ body: 'after the snapshot' });
    await client.db('snap_app').collection('stray').insertOne({ x: 1 });
    await admin.load!('snap_app', file);
    expect(mongo.documents('snap_app', 'notes').map((doc) => Buffer.from(BSON.serialize(doc)))).toEqual(before);
    expect(mongo.documents('snap_app', 'stray')).toEqual([]);
    const indexes = await client.db('snap_app').collection('notes').listIndexes().toArray();
    expect(indexes.map((i) => i.name)).toEqual(['_id_', 'body_1']);
    expect(mongo.users.has('snap_app.snap_user')).toBe(true);
  });

  it('refuses a damaged archive before touching the database', async () => {
    const admin = createMongodbAdmin(mongo.url);
    const file = join(dir, 'damaged.archive.gz');
    await admin.dump!('snap_app', file);
    const archive = gunzipSync(readFileSync(file));
    const at = archive.indexOf(Buffer.from('second'));
    archive[at] = 'S'.charCodeAt(0);
    writeFileSync(file, gzipSync(archive));
    await expect(admin.load!('snap_app', file)).rejects.toThrow('CRC mismatch for snap_app.notes');
    expect(mongo.documents('snap_app', 'notes')).toHaveLength(2);
    writeFileSync(file, gzipSync(archive.subarray(0, archive.length - 10)));
    await expect(admin.load!('snap_app', file)).rejects.toThrow(/cut off|BSON document/);
    expect(mongo.documents('snap_app', 'notes')).toHaveLength(2);
  });
});
