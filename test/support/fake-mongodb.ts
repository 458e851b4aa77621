import { createServer, type Server, type Socket } from 'node:net';
import { BSON, type Document } from 'mongodb';

const opReply = 1;
const opQuery = 2004;
const opMsg = 2013;

export interface FakeMongodb {
  /** `mongodb://127.0.0.1:<port>/?directConnection=true` (no credentials: the fake has no SCRAM). */
  url: string;
  /** Every command received, in order (`{ db, name, body }`), handshakes included. */
  commands: { db: string; name: string; body: Document }[];
  /** Commands the fake does not know; each got a CommandNotFound error. A test asserts this stays empty. */
  unexpected: string[];
  /** Users as `<db>.<user>` → roles; survive dropDatabase, like the real server. */
  users: Map<string, { user: string; db: string; roles: Document[] }>;
  /** Databases holding data (created by `insert` or `create`). */
  databases: Set<string>;
  /** Documents per `<db>.<collection>`, as received. */
  documents(db: string, collection: string): Document[];
  /** Makes the next command named `name` fail with this error (once). */
  failNext(name: string, error: { code: number; errmsg: string }): void;
  close(): Promise<void>;
}

/**
 * A FAKE MongoDB: not a database. It speaks just enough of the wire protocol
 * (the legacy OP_QUERY handshake and OP_MSG) for the official driver to run
 * the commands the bot sends, and copies the real server's semantics the
 * bot relies on: `createUser` of an existing user fails with code 51003,
 * `updateUser`/`dropUser` of an unknown user with 11 (UserNotFound), users
 * outlive `dropDatabase`, and `listDatabases` lists only databases with data.
 * It keeps inserted documents in memory for `find`, `listCollections`,
 * `listIndexes`, `create` and `createIndexes` (snapshots); `find` ignores
 * its filter and returns every document in one batch (no getMore). Query
 * semantics, authentication, roles' effects and persistence are NOT
 * modelled: a sandbox user's access to other databases is untested here.
 */
export async function startFakeMongodb(): Promise<FakeMongodb> {
  const commands: FakeMongodb['commands'] = [];
  const unexpected: string[] = [];
  const users: FakeMongodb['users'] = new Map();
  const databases = new Set<string>();
  const failures = new Map<string, { code: number; errmsg: string }>();
  const sockets = new Set<Socket>();
  let connectionId = 0;

  // Documents as received (numbers keep their BSON types), per database and collection.
  const data = new Map<string, Map<string, { documents: Document[]; indexes: Document[] }>>();
  const collectionOf = (db: string, name: string) => {
    const collections = data.get(db) ?? new Map<string, { documents: Document[]; indexes: Document[] }>();
    data.set(db, collections);
    const found = collections.get(name) ?? { documents: [], indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }] };
    collections.set(name, found);
    return found;
  };
  const cursor = (ns: string, firstBatch: Document[]) => ({
    cursor: { id: BSON.Long.fromNumber(0), ns, firstBatch },
    ok: 1,
  });

  const run = (db: string, body: Document): Document => {
    const name = Object.keys(body)[0] ?? '';
    commands.push({ db, name, body });
    const failure = failures.get(name);
    if (failure) {
      failures.delete(name);
      return { ok: 0, ...failure };
    }
    const error = (code: number, codeName: string, errmsg: string) => ({ ok: 0, code, codeName, errmsg });
    switch (name.toLowerCase()) {
      case 'hello':
      case 'ismaster':
        return {
          helloOk: true,
          ismaster: true,
          isWritablePrimary: true,
          maxBsonObjectSize: 16 * 1024 * 1024,
          maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000,
          localTime: new Date(),
          logicalSessionTimeoutMinutes: 30,
          connectionId,
          minWireVersion: 0,
          maxWireVersion: 21,
          readOnly: false,
          ok: 1,
        };
      case 'ping':
      case 'endsessions':
        return { ok: 1 };
      case 'createuser': {
        const key = `${db}.${body.createUser}`;
        if (users.has(key)) return error(51003, 'Location51003', `User "${body.createUser}@${db}" already exists`);
        users.set(key, { user: String(body.createUser), db, roles: body.roles ?? [] });
        return { ok: 1 };
      }
      case 'updateuser': {
        const key = `${db}.${body.updateUser}`;
        if (!users.has(key))
          return error(11, 'UserNotFound', `Could not find user "${body.updateUser}" for db "${db}"`);
        if (body.roles) users.set(key, { ...users.get(key)!, roles: body.roles });
        return { ok: 1 };
      }
      case 'dropuser': {
        const key = `${db}.${body.dropUser}`;
        if (!users.delete(key))
          return error(11, 'UserNotFound', `Could not find user "${body.dropUser}" for db "${db}"`);
        return { ok: 1 };
      }
      case 'usersinfo':
        return {
          users: [...users.values()]
            .filter((u) => u.db === db && (body.usersInfo === 1 || u.user === body.usersInfo))
            .map((u) => ({ _id: `${u.db}.${u.user}`, user: u.user, db: u.db, roles: u.roles })),
          ok: 1,
        };
      case 'dropdatabase':
        // Users stay: they live in admin.system.users (SERVER-13918).
        databases.delete(db);
        data.delete(db);
        return { ok: 1, dropped: db };
      case 'insert': {
        databases.add(db);
        const documents = (body.documents ?? []) as Document[];
        collectionOf(db, String(body.insert)).documents.push(...documents);
        return { n: documents.length, ok: 1 };
      }
      case 'create':
        databases.add(db);
        collectionOf(db, String(body.create));
        return { ok: 1 };
      case 'createindexes': {
        const collection = collectionOf(db, String(body.createIndexes));
        const before = collection.indexes.length;
        for (const index of (body.indexes ?? []) as Document[])
          if (!collection.indexes.some((i) => i.name === index.name)) collection.indexes.push({ v: 2, ...index });
        return { numIndexesBefore: before, numIndexesAfter: collection.indexes.length, ok: 1 };
      }
      case 'listcollections':
        return cursor(
          `${db}.$cmd.listCollections`,
          [...(data.get(db)?.entries() ?? [])].map(([name]) => ({
            name,
            type: 'collection',
            options: {},
            info: { readOnly: false },
          })),
        );
      case 'listindexes':
        return cursor(`${db}.${body.listIndexes}`, data.get(db)?.get(String(body.listIndexes))?.indexes ?? []);
      case 'find':
        // Everything in the first batch (no getMore): a fake, not a cursor implementation.
        return cursor(`${db}.${body.find}`, data.get(db)?.get(String(body.find))?.documents ?? []);
      case 'buildinfo':
        return { version: '7.0.0-fake', ok: 1 };
      case 'listdatabases': {
        const wanted: unknown[] | null = body.filter?.name?.$in ?? null;
        const names = [...databases].filter((n) => !wanted || wanted.includes(n));
        return {
          databases: names.map((n) => (body.nameOnly ? { name: n } : { name: n, sizeOnDisk: 8192, empty: false })),
          totalSize: 0,
          ok: 1,
        };
      }
      default:
        unexpected.push(`${db}.${name}`);
        return error(59, 'CommandNotFound', `no such command: '${name}' (the fake MongoDB does not implement it)`);
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    connectionId += 1;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 16 && buffer.length >= buffer.readInt32LE(0)) {
        const length = buffer.readInt32LE(0);
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        socket.write(answer(message, run));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    commands,
    unexpected,
    users,
    databases,
    documents: (db, collection) => data.get(db)?.get(collection)?.documents ?? [],
    failNext: (name, failure) => failures.set(name, failure),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(message: Buffer, run: (db: string, body: Document) => Document): Buffer {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === opQuery) {
    let at = 20;
    const end = message.indexOf(0, at);
    const collection = message.toString('utf8', at, end);
    at = end + 1 + 8;
    const size = message.readInt32LE(at);
    const query = BSON.deserialize(message.subarray(at, at + size));
    const reply = BSON.serialize(run(collection.replace(/\.\$cmd$/, ''), query));
    const header = Buffer.alloc(36);
    header.writeInt32LE(36 + reply.length, 0);
    header.writeInt32LE(requestId + 1_000_000, 4);
    header.writeInt32LE(requestId, 8);
    header.writeInt32LE(opReply, 12);
    header.writeInt32LE(0, 16);
    header.writeBigInt64LE(0n, 20);
    header.writeInt32LE(0, 28);
    header.writeInt32LE(1, 32);
    return Buffer.concat([header, reply]);
  }
  if (opCode !== opMsg) throw new Error(`fake MongoDB: unexpected opCode ${opCode}`);
  let at = 20;
  let body: Document = {};
  while (at < message.length) {
    const kind = message.readUInt8(at);
    at += 1;
    const size = message.readInt32LE(at);
    if (kind === 0) body = { ...body, ...BSON.deserialize(message.subarray(at, at + size)) };
    else {
      // A document sequence (e.g. insert's documents): `size`, identifier, documents.
      const end = message.indexOf(0, at + 4);
      const identifier = message.toString('utf8', at + 4, end);
      const documents: Document[] = [];
      for (let doc = end + 1; doc < at + size; doc += message.readInt32LE(doc))
        documents.push(
          BSON.deserialize(message.subarray(doc, doc + message.readInt32LE(doc)), {
            promoteValues: false,
            promoteLongs: false,
          }),
        );
      body[identifier] = documents;
    }
    at += size;
  }
  const { $db, ...command } = body;
  const reply = BSON.serialize(run(String($db ?? 'admin'), command));
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + reply.length, 0);
  header.writeInt32LE(requestId + 1_000_000, 4);
  header.writeInt32LE(requestId, 8);
  header.writeInt32LE(opMsg, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, reply]);
}
