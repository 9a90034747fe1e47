import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as undici from 'undici';
import { createOutwardAgent, inwardRefusal } from '../../src/outward/outward-agent.js';
import type { Resolve } from '../../src/outward/outward-lookup.js';

/*
 * Connection time, with real sockets: a server listens on loopback, and every spelling that reaches it (and every
 * name that resolves to it) is refused by the outward agent before a connection is made. Only loopback is used
 * as a target here, so nothing would leave the machine even if the policy failed.
 */
let server: http.Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    hits++;
    res.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const LOOPBACK_NAMES: Record<string, string[]> = {
  'inward.example': ['127.0.0.1'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'six.example': ['::1'],
  'both.example': ['::1', '127.0.0.1'],
};
const resolve: Resolve = async (name) => {
  const found = LOOPBACK_NAMES[name];
  if (!found) throw Object.assign(new Error(`${name} not found`), { code: 'ENOTFOUND' });
  return found;
};

describe('the outward agent at connection time', () => {
  const hosts = ['127.0.0.1', '2130706433', '0x7f.1', '127.1', '0177.0.0.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::1]', 'localhost', 'LOCALHOST.', ...Object.keys(LOOPBACK_NAMES)];

  it('reaches the server without it (the targets are real)', async () => {
    const before = hits;
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::1]', 'localhost']) {
      expect(await (await undici.fetch(`http://${host}:${port}/`)).text()).toBe('reached');
    }
    expect(hits - before).toBe(4);
  });

  it('refuses every spelling and every name that leads there, before connecting', async () => {
    const agent = createOutwardAgent(undici, { resolve });
    const before = hits;
    try {
      for (const host of hosts) {
        const err = await undici.fetch(`http://${host}:${port}/`, { dispatcher: agent }).then(
          () => null,
          (e: unknown) => e,
        );
        expect({ host, refused: inwardRefusal(err)?.message ?? String(err) }).toEqual({ host, refused: expect.stringMatching(/^refused, \S+ is not a public address \(/) });
      }
    } finally {
      await agent.close();
    }
    expect(hits - before).toBe(0);
  });

  it('judges the system resolver’s answers too: the machine’s own name resolves inward', async () => {
    const agent = createOutwardAgent(undici);
    try {
      const err = await undici.fetch(`http://${os.hostname()}:${port}/`, { dispatcher: agent }).catch((e: unknown) => e);
      expect(inwardRefusal(err)?.message).toMatch(new RegExp(`^refused, ${os.hostname()} is not a public address \\(resolves to (loopback|private)\\)$`));
    } finally {
      await agent.close();
    }
  });
});
