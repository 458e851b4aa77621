import { describe, expect, it } from 'vitest';
import { connectionUrl, databaseEnv, openedxDatabaseVars } from '../../../src/core/databases/connection-facts';
import { actualName, databaseBase } from '../../../src/core/databases/database-names';
import { pickDatabaseServer } from '../../../src/core/databases/place-database';
import type { DatabaseFacts, DatabaseServer } from '../../../src/core/databases/types';

const endpoint = (host: string, port: number) => ({ hosts: [{ host, port }], tls: false, options: {} });
const mysql: DatabaseFacts = {
  kind: 'mysql',
  server: 'mysql-1',
  endpoint: endpoint('db.example.com', 3306),
  user: 'pr42_app_k3f9',
  password: 'p/w+1',
  names: [
    { declared: 'edxapp', actual: 'pr42_app_k3f9_edxapp' },
    { declared: 'edxapp_csmh', actual: 'pr42_app_k3f9_edxapp_csmh' },
  ],
};
const mongo: DatabaseFacts = {
  kind: 'mongodb',
  server: 'mongo-1',
  endpoint: endpoint('mongo.example.com', 27017),
  user: 'pr42_app_k3f9',
  password: 'pw2',
  names: [
    { declared: 'edxapp', actual: 'pr42_app_k3f9_edxapp' },
    { declared: 'forum', actual: 'pr42_app_k3f9_forum' },
  ],
};
const rabbit: DatabaseFacts = {
  kind: 'rabbitmq',
  server: 'rabbit-1',
  endpoint: { hosts: [{ host: 'mq.example.com', port: 5671 }], tls: true, options: {} },
  user: 'pr42_app_k3f9',
  password: 'pw3',
  names: [{ declared: 'vhost', actual: 'pr42_app_k3f9' }],
};

describe('database names', () => {
  it.each([
    ['pr42-app', /^pr42_app_[a-z0-9]{4}$/],
    ['pr12345-a-very-long-repository-name-that-goes-on', /^pr12345_a_very_long_[0-9a-f]{6}_[a-z0-9]{4}$/],
  ])('%s → a base of at most 32 characters', (slug, pattern) => {
    const base = databaseBase(slug);
    expect(base).toMatch(pattern);
    expect(base.length).toBeLessThanOrEqual(32);
    expect(actualName(base, 'a'.repeat(31)).length).toBeLessThanOrEqual(64);
  });
});

describe('placement', () => {
  const server = (id: number, acceptsNew: boolean, configured = true): DatabaseServer => ({
    id,
    kind: 'mysql',
    name: `mysql-${id}`,
    urlEnv: 'X',
    acceptsNew,
    configured,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  it('picks at random among configured servers that accept new sandboxes', () => {
    const servers = [server(1, true), server(2, false), server(3, true), server(4, true, false)];
    expect(pickDatabaseServer(servers, 'mysql', () => 0)).toMatchObject({ ok: true, server: { id: 1 } });
    expect(pickDatabaseServer(servers, 'mysql', () => 0.99)).toMatchObject({ ok: true, server: { id: 3 } });
  });
  it('says why there is none', () => {
    expect(pickDatabaseServer([], 'mongodb')).toEqual({
      ok: false,
      reason: 'no mongodb server is registered; add one under databases.mongodb in sandbox.yml',
    });
    expect(pickDatabaseServer([server(2, false)], 'mysql')).toEqual({
      ok: false,
      reason: 'no mysql server accepts new sandboxes (mysql-2 have accepts_new: false)',
    });
  });
});

describe('connection facts for recipes', () => {
  it('script: URLs with the first declared database, actual names comma-separated, credentials URL-encoded', () => {
    const env = databaseEnv([mysql, mongo, rabbit]);
    expect(env.SBX_MYSQL_URL).toBe('mysql://pr42_app_k3f9:p%2Fw%2B1@db.example.com:3306/pr42_app_k3f9_edxapp');
    expect(env.SBX_MYSQL_DATABASES).toBe('pr42_app_k3f9_edxapp,pr42_app_k3f9_edxapp_csmh');
    expect(env.SBX_MONGODB_URL).toBe('mongodb://pr42_app_k3f9:pw2@mongo.example.com:27017/pr42_app_k3f9_edxapp');
    expect(env.SBX_RABBITMQ_URL).toBe('amqps://pr42_app_k3f9:pw3@mq.example.com:5671/pr42_app_k3f9');
    expect(env.SBX_MYSQL_PASSWORD).toBe('p/w+1');
  });
  it('openedx-ansible: the configuration repository’s variable names', () => {
    const vars = openedxDatabaseVars([mysql, mongo, rabbit]);
    expect(vars).toMatchObject({
      EDXAPP_MYSQL_HOST: 'db.example.com',
      EDXAPP_MYSQL_PORT: 3306,
      EDXAPP_MYSQL_DB_NAME: 'pr42_app_k3f9_edxapp',
      EDXAPP_MYSQL_USER: 'pr42_app_k3f9',
      EDXAPP_MYSQL_PASSWORD: 'p/w+1',
      EDXAPP_MYSQL_CSMH_DB_NAME: 'pr42_app_k3f9_edxapp_csmh',
      EDXAPP_MONGO_HOSTS: ['mongo.example.com'],
      EDXAPP_MONGO_DB_NAME: 'pr42_app_k3f9_edxapp',
      FORUM_MONGO_DATABASE: 'pr42_app_k3f9_forum',
      EDXAPP_CELERY_BROKER_HOSTNAME: 'mq.example.com:5671',
      EDXAPP_CELERY_BROKER_VHOST: 'pr42_app_k3f9',
      EDXAPP_CELERY_BROKER_USE_SSL: true,
      XQUEUE_RABBITMQ_HOSTNAME: 'mq.example.com',
      XQUEUE_RABBITMQ_VHOST: 'pr42_app_k3f9',
      XQUEUE_RABBITMQ_PASS: 'pw3',
    });
    // Not declared: no half-filled variables.
    expect(vars).not.toHaveProperty('XQUEUE_MYSQL_DB_NAME');
    expect(connectionUrl({ ...mysql, names: [] })).toBe('mysql://pr42_app_k3f9:p%2Fw%2B1@db.example.com:3306/');
  });
});
