// An app on a fresh test database, driven with app.inject, plus tokens for each role.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import type { Database } from '../../src/db/database.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  testDatabase: TestDatabase;
  adminToken: string;
  staffToken: string;
  close(): Promise<void>;
}

export async function createTestApp(wrap: (database: Database) => Database = (database) => database): Promise<TestApp> {
  const testDatabase = await createTestDatabase();
  const database = wrap(testDatabase.database);
  const app = await buildApp({ config: testDatabase.config, database });
  const { token: staffToken } = await createToken(testDatabase.database, 'test staff', 'staff');
  return {
    app, database, testDatabase, adminToken: TEST_ADMIN_TOKEN, staffToken,
    async close() {
      await app.close();
      await testDatabase.drop();
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Creates an active campaign through the API and returns its JSON. */
export async function createCampaign(test: TestApp, body: Record<string, unknown>): Promise<Record<string, string>> {
  const response = await test.app.inject({
    method: 'POST', url: '/api/campaigns', headers: bearer(test.adminToken),
    payload: { fund: 'sadaqah', currency: 'IDR', status: 'active', name: 'Test campaign', ...body },
  });
  if (response.statusCode !== 201) throw new Error(`campaign not created: ${response.statusCode} ${response.body}`);
  return response.json();
}

let keySerial = 0;

export async function donate(test: TestApp, body: Record<string, unknown>, key = `test-key-${process.pid}-${keySerial++}`) {
  return test.app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': key }, payload: body });
}
