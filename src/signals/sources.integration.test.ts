/** Activity sources over real HTTP on 127.0.0.1: a JSONL feed is parsed; a 404 is a typed error naming the URL. */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readActivitySource } from './sources.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/feed.jsonl') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(
        `${JSON.stringify({ id: 'h1', kind: 'meeting', at: '2026-11-24T15:00:00Z', ends_at: '2026-11-24T15:30:00Z', from: 'sam@team.example', attendees: ['ana@client.example'] })}\nnot json\n`,
      );
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('readActivitySource over HTTP', () => {
  it('parses a JSONL feed and reports its bad lines', async () => {
    const r = await readActivitySource('calendar', `${base}/feed.jsonl`);
    expect(r.items.map((i) => [i.externalId, i.kind, i.endsAt])).toEqual([['h1', 'meeting', '2026-11-24T15:30:00.000Z']]);
    expect(r.problems).toEqual([{ origin: `${base}/feed.jsonl line 2`, message: 'not a JSON object' }]);
  });

  it('turns a 404 into IR_INPUT_INVALID naming the URL', async () => {
    await expect(readActivitySource('emails', `${base}/missing`)).rejects.toMatchObject({ code: 'IR_INPUT_INVALID', message: expect.stringContaining('/missing answered HTTP 404') });
  });
});
