/**
 * WhatsApp delivers a text message to a number's child in a distributed-mode test, one at a time: the child posts
 * its webhooks concurrently (contract), so two messages in flight may be recorded either way; each waits until the
 * Postgres journal holds one more message event of the number.
 */
import { expect } from '@jest/globals';
import type { TestGateway } from './gateway.js';
import { child } from './messaging.js';
import type { TestPostgres } from './postgres.js';
import { waitFor } from './wait.js';

export function incomingVia(server: () => TestPostgres, database: string, phone: string): (gw: TestGateway, body: string) => Promise<void> {
  const messageEvents = async (): Promise<number> =>
    (await server().query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE phone_number = $1 AND type = 'message'`, [phone], database))[0]?.n ?? 0;
  return async (gw, body) => {
    const before = await messageEvents();
    const res = await child(gw, phone).request('POST', '/_sim/incoming', { body: { body } });
    expect(res.results).toMatchObject({ ids: [expect.any(String)] });
    await waitFor(async () => (await messageEvents()) > before, { what: `${body} in the Postgres journal` });
  };
}
