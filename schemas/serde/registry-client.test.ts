import type { Schema } from 'avsc';
import { createServer, type Server, type Socket } from 'node:net';
import { connectSchemaRegistry } from './registry-client';

/**
 * A registry that accepts connections and never answers (a hung server, a half-open socket): every
 * call must fail within its timeout as a retriable error, never hang.
 */
describe('schema registry client timeouts', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let url: string;

  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails register, schemaById and latest as retriable once the timeout passes', async () => {
    const client = connectSchemaRegistry({ url, timeoutMs: 300 });
    const schema: Schema = { type: 'record', name: 'Hung', fields: [{ name: 'id', type: 'string' }] };
    await expect(client.register('hung-value', schema)).rejects.toMatchObject({ retriable: true });
    await expect(client.schemaById(1)).rejects.toMatchObject({ retriable: true });
    await expect(client.latest('hung-value')).rejects.toMatchObject({ retriable: true });
    expect(sockets.length).toBeGreaterThan(0); // the calls really reached the hung server
  }, 20_000);
});
