// The embedded PostgreSQL's port: whether it is free where the cluster
// listens (127.0.0.1), a free one instead, and what holds a taken one, said
// so that the operator knows what to change.
import net from 'node:net';
import pg from 'pg';

/** True when nothing listens on 127.0.0.1:port (where the cluster listens). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port the system has free now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** What holds a port, for the operator: another cluster's data folder when it is one. */
export async function holderOf(port: number): Promise<string> {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>('select current_setting($1) as dir', ['data_directory']);
    return `another PostgreSQL (data in ${rows[0].dir}; another checkout's embedded cluster?)`;
  } catch {
    return 'another program';
  } finally {
    await client.end().catch(() => undefined);
  }
}
