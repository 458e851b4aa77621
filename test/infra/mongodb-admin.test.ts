import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMongodbAdmin } from '../../src/infra/databases/mongodb-admin';
import { startFakeMongodb, type FakeMongodb } from '../support/fake-mongodb';

// Against a FAKE MongoDB (test/support/fake-mongodb.ts): the commands and error codes the admin relies on,
// not authentication or what a real server lets the created user do.
let mongo: FakeMongodb;
beforeAll(async () => {
  mongo = await startFakeMongodb();
});
afterAll(async () => mongo.close());
afterEach(() => expect(mongo.unexpected).toEqual([]));

const grant = { user: 'pr1_app_ab12', password: 'pw-123456789', names: ['pr1_app_ab12_app', 'pr1_app_ab12_forum'] };

describe('MongoDB admin (fake server)', () => {
  it('creates the user in each database with dbOwner there, and a second run finds them (51003 → updateUser)', async () => {
    const admin = createMongodbAdmin(mongo.url);
    expect(await admin.ensure(grant)).toEqual({
      created: ['user pr1_app_ab12 on database pr1_app_ab12_app', 'user pr1_app_ab12 on database pr1_app_ab12_forum'],
      found: [],
    });
    expect(mongo.users.get('pr1_app_ab12_app.pr1_app_ab12')?.roles).toEqual([
      { role: 'dbOwner', db: 'pr1_app_ab12_app' },
    ]);
    expect(await admin.ensure(grant)).toEqual({
      created: [],
      found: ['user pr1_app_ab12 on database pr1_app_ab12_app', 'user pr1_app_ab12 on database pr1_app_ab12_forum'],
    });
    expect(mongo.commands.filter((c) => c.name === 'updateUser').map((c) => c.db)).toEqual([
      'pr1_app_ab12_app',
      'pr1_app_ab12_forum',
    ]);
  });

  it('drops users before databases (users outlive dropDatabase), and a second drop finds nothing left', async () => {
    const admin = createMongodbAdmin(mongo.url);
    mongo.databases.add('pr1_app_ab12_app');
    const first = await admin.drop(grant);
    expect(first.dropped).toEqual([
      'user pr1_app_ab12 on database pr1_app_ab12_app',
      'database pr1_app_ab12_app',
      'user pr1_app_ab12 on database pr1_app_ab12_forum',
    ]);
    expect(first.absent).toEqual(['database pr1_app_ab12_forum']);
    expect(mongo.users.size).toBe(0);
    const names = mongo.commands.filter((c) => c.db === 'pr1_app_ab12_app').map((c) => c.name);
    expect(names.indexOf('dropUser')).toBeLessThan(names.indexOf('dropDatabase'));
    const again = await admin.drop(grant);
    expect(again.dropped).toEqual([]);
    expect(again.absent).toHaveLength(4);
  });

  it('doctor: connects and proves it may create users; a refused createUser fails the check', async () => {
    const admin = createMongodbAdmin(mongo.url);
    expect((await admin.check()).map((c) => c.status)).toEqual(['ok', 'ok']);
    mongo.failNext('createUser', { code: 13, errmsg: 'not authorized on sbx_doctor to execute command' });
    const checks = await admin.check();
    expect(checks[1]).toMatchObject({ status: 'fail', detail: expect.stringContaining('not authorized') });
  });

  it('hands sandboxes the hosts and replica set of the admin URL, never its credentials', () => {
    const admin = createMongodbAdmin(
      'mongodb://root:secret@m1.example.com:27017,m2.example.com:27018/?authSource=admin&replicaSet=rs0',
    );
    expect(admin.endpoint()).toEqual({
      hosts: [
        { host: 'm1.example.com', port: 27017 },
        { host: 'm2.example.com', port: 27018 },
      ],
      tls: false,
      options: { replicaSet: 'rs0' },
    });
  });
});
