// A test that needs a server (RabbitMQ, memcached, chromium, ImageMagick…)
// and cannot reach it FAILS in CI (CI=true) and is skipped with the reason
// elsewhere.
import type { TestContext } from 'node:test';

export const inCI = process.env.CI === 'true';

/** Returns true when the test may go on; otherwise skips it (or fails in CI). */
export function needs(t: TestContext, available: boolean, what: string): boolean {
  if (available) return true;
  if (inCI) throw new Error(`${what} is required in CI but is not available`);
  t.skip(`${what} is not available`);
  return false;
}

/** Same rule for a whole file: the reason, or null when everything is there. */
export function missingReason(available: boolean, what: string): string | null {
  if (available) return null;
  if (inCI) throw new Error(`${what} is required in CI but is not available`);
  return `${what} is not available`;
}
