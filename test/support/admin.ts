// Serves the app of an existing context (one made by jobsHarness, or with a
// transport of the test's choosing) and signs an administrator in.
import type { AppContext } from '#app/context';
import { createApp, type AppOptions } from '#app/web/app';
import { listen } from '#app/web/server';
import { makeUser, TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';

export const PASSWORD = 'correct horse battery';

export async function serveContext(ctx: AppContext, options: AppOptions = {}): Promise<{ url: string; client(): TestClient }> {
  const server = await listen(createApp(ctx, options), '127.0.0.1', 0);
  onCleanup(() => server.close(1000));
  return { url: server.url, client: () => new TestClient(server.url) };
}

/** A signed-in client of a new user (an administrator unless `superuser: false`). */
export async function signedIn(
  ctx: AppContext,
  url: string,
  email: string,
  options: { superuser?: boolean; roles?: string[] } = {},
): Promise<TestClient> {
  await makeUser(ctx, email, { superuser: options.superuser ?? true, roles: options.roles, password: PASSWORD });
  const client = new TestClient(url);
  const res = await client.login(email, PASSWORD);
  if (res.status !== 303) throw new Error(`signing ${email} in failed with ${res.status}`);
  return client;
}
