// Cleanups registered by the helpers, run once when the test file ends
// (a root-level after hook: registering `after` inside a suite's hook would
// run it when that hook's test ends, too early).
import { after } from 'node:test';

const cleanups: Array<() => Promise<unknown> | unknown> = [];

export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});
