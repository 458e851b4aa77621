import { readFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BSON, MongoClient, MongoServerError, type Document } from 'mongodb';
import { assertSafeName } from '../../core/databases/database-names';
import type { DatabaseAdmin, DatabaseGrant, ServerCheck } from '../../core/databases/types';
import { describeError, parseAdminUrl } from './admin-url';
import { readArchive, writeArchive, type ArchiveCollection } from './mongodump-archive';

const userExists = 51003;
const userNotFound = 11;

/**
 * MongoDB through the official driver, one short client per call. The user is
 * created in each of its databases with `dbOwner` there (as the predecessor
 * did), so `mongodb://user:pw@host/<db>` authenticates against that database.
 * Users survive `dropDatabase`, so delete drops them first. Snapshots are
 * mongodump archives (`mongorestore --gzip --archive=FILE`), written and
 * read by the bot itself (no mongodump on these machines), held in memory.
 */
export function createMongodbAdmin(url: string): DatabaseAdmin {
  const admin = parseAdminUrl(url, 27017);
  const withClient = async <T>(work: (client: MongoClient) => Promise<T>): Promise<T> => {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, connectTimeoutMS: 10_000 });
    try {
      await client.connect();
      return await work(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  const listed = async (client: MongoClient, names: readonly string[]) => {
    const result = await client
      .db('admin')
      .command({ listDatabases: 1, nameOnly: true, filter: { name: { $in: [...names] } } });
    return new Set(((result.databases ?? []) as { name: string }[]).map((d) => d.name));
  };

  return {
    ensure: (grant: DatabaseGrant) =>
      withClient(async (client) => {
        const created: string[] = [];
        const found: string[] = [];
        const user = assertSafeName(grant.user);
        for (const name of grant.names.map(assertSafeName)) {
          try {
            await client
              .db(name)
              .command({ createUser: user, pwd: grant.password, roles: [{ role: 'dbOwner', db: name }] });
            created.push(`user ${user} on database ${name}`);
          } catch (error) {
            if (!(error instanceof MongoServerError && error.code === userExists)) throw error;
            await client
              .db(name)
              .command({ updateUser: user, pwd: grant.password, roles: [{ role: 'dbOwner', db: name }] });
            found.push(`user ${user} on database ${name}`);
          }
        }
        return { created, found };
      }),

    drop: (grant: DatabaseGrant) =>
      withClient(async (client) => {
        const dropped: string[] = [];
        const absent: string[] = [];
        const user = assertSafeName(grant.user);
        const names = grant.names.map(assertSafeName);
        const present = await listed(client, names);
        for (const name of names) {
          // Users live in admin.system.users and outlive dropDatabase (SERVER-13918): drop them first.
          try {
            await client.db(name).command({ dropUser: user });
            dropped.push(`user ${user} on database ${name}`);
          } catch (error) {
            if (!(error instanceof MongoServerError && error.code === userNotFound)) throw error;
            absent.push(`user ${user} on database ${name}`);
          }
          await client.db(name).command({ dropDatabase: 1 });
          (present.has(name) ? dropped : absent).push(`database ${name}`);
        }
        return { dropped, absent };
      }),

    endpoint: () => ({
      hosts: admin.hosts,
      tls: admin.params.get('tls') === 'true' || admin.params.get('ssl') === 'true',
      options: Object.fromEntries([...admin.params].filter(([key]) => key === 'replicaSet')),
    }),

    dump: (name, file) =>
      withClient(async (client) => {
        const db = client.db(assertSafeName(name));
        const collections: ArchiveCollection[] = [];
        const listed = (await db.listCollections({}, { nameOnly: false }).toArray()) as {
          name: string;
          type?: string;
          options?: Document;
        }[];
        for (const info of listed.filter(
          (c) => (c.type ?? 'collection') === 'collection' && !c.name.startsWith('system.'),
        )) {
          const collection = db.collection(info.name);
          const indexes = await collection.listIndexes().toArray();
          // Raw BSON as the server sent it: numbers keep their BSON types (int32, int64, double) byte for byte.
          const documents = (await collection.find({}, { raw: true }).toArray()) as unknown as Buffer[];
          collections.push({
            name: info.name,
            metadata: { indexes, collectionName: info.name, type: 'collection', options: info.options ?? {} },
            documents: documents.map((doc) => Buffer.from(doc)),
          });
        }
        const build = (await client
          .db('admin')
          .command({ buildInfo: 1 })
          .catch(() => ({ version: 'unknown' }))) as {
          version?: string;
        };
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await writeFile(file, gzipSync(writeArchive(name, collections, String(build.version ?? 'unknown'))), {
          mode: 0o600,
        });
        return (await stat(file)).size;
      }),

    load: (name, file) =>
      withClient(async (client) => {
        const { collections } = readArchive(gunzipSync(await readFile(file)));
        const db = client.db(assertSafeName(name));
        // Replaces the content: the users stay (they outlive dropDatabase), the collections come from the archive.
        await db.command({ dropDatabase: 1 });
        for (const collection of collections) {
          await db.command({ create: collection.name, ...(collection.metadata.options as Document | undefined) });
          const indexes = ((collection.metadata.indexes ?? []) as Document[])
            .filter((index) => index.name !== '_id_')
            .map(({ v: _v, ns: _ns, ...index }) => index);
          if (indexes.length > 0) await db.command({ createIndexes: collection.name, indexes });
          for (let i = 0; i < collection.documents.length; i += 1_000) {
            const batch = collection.documents
              .slice(i, i + 1_000)
              .map((doc) => BSON.deserialize(doc, { promoteValues: false, promoteLongs: false }));
            await db.collection(collection.name).insertMany(batch, { ordered: true });
          }
        }
      }),

    async check(): Promise<ServerCheck[]> {
      try {
        return await withClient(async (client) => {
          await client.db('admin').command({ ping: 1 });
          const results: ServerCheck[] = [
            { status: 'ok', detail: `connected to ${admin.hosts.map((h) => `${h.host}:${h.port}`).join(',')}` },
          ];
          const probe = `sbx_doctor_${Date.now().toString(36)}`;
          try {
            await client
              .db(probe)
              .command({ createUser: probe, pwd: `${probe}-pw`, roles: [{ role: 'dbOwner', db: probe }] });
            await client.db(probe).command({ dropUser: probe });
            results.push({ status: 'ok', detail: 'may create and drop users' });
          } catch (error) {
            results.push({
              status: 'fail',
              detail: `cannot create users: ${describeError(error)}`,
              hint: 'give the admin user the userAdminAnyDatabase and dbAdminAnyDatabase roles (or root)',
            });
          }
          return results;
        });
      } catch (error) {
        return [
          {
            status: 'fail',
            detail: `cannot connect: ${describeError(error)}`,
            hint: 'check the server and the admin URL',
          },
        ];
      }
    },
  };
}
