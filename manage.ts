#!/usr/bin/env -S node --import tsx
// Orbis command line: ./manage.ts COMMAND [OPTIONS] (run from the project folder).
// Production runs the compiled copy: node --conditions=orbis-dist dist/manage.js
import { main } from '#app/cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Long-running commands keep the loop alive; short ones exit when done.
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
