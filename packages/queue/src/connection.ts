// Redis connections: one bounded probe at start (an unreachable Redis is one clear error, not an
// endless reconnect loop), then clients that reconnect forever, so a Redis restart mid-sweep is a
// pause, not a failure.
import { Redis } from 'ioredis';
import { PathwiseError } from '@pathwise/core';

/** How long the start-up probe waits for Redis. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** The URL as it may be printed: without its password. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Connects to the Redis at `url` and returns a client that reconnects after a restart (BullMQ needs
 * `maxRetriesPerRequest: null`: commands wait for the reconnection instead of failing). Throws a
 * PathwiseError naming the URL when Redis cannot be reached within CONNECT_TIMEOUT_MS.
 */
export async function connectRedis(url: string, onConnectionEvent?: (event: 'lost' | 'back', detail: string) => void): Promise<Redis> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  let lastError = '';
  probe.on('error', (error: Error) => (lastError = error.message));
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    probe.disconnect();
    const reason = lastError || (error as Error).message;
    throw new PathwiseError(`Cannot reach Redis at ${displayUrl(url)} (${reason}): start redis-server there, or pass the right --queue redis://HOST:PORT[/DB].`);
  }
  probe.disconnect();
  const client = new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    // Back off up to 5 s between attempts, for as long as Redis is away.
    retryStrategy: (times) => Math.min(250 * times, 5_000),
  });
  let lost = false;
  client.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    onConnectionEvent?.('lost', error.message);
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    onConnectionEvent?.('back', displayUrl(url));
  });
  return client;
}
