// The Redis the tests that share state through it use: REDIS_URL, or the local one at 127.0.0.1:6379. Those tests
// skip, saying so, where none answers (a developer's machine without Redis); CI's machine has one.
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const SKIP_NO_REDIS = `no Redis answers at ${TEST_REDIS_URL} (set REDIS_URL to run these)`;

/** True when a Redis answers PING at TEST_REDIS_URL within a second. */
export async function redisAnswers(): Promise<boolean> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
