#!/usr/bin/env node
// The CLI entry: runs the compiled package (dist/, built by `npm run build`, which `npm ci` and
// `npm pack` run). In a checkout without dist/ it runs the TypeScript sources through tsx, a
// development dependency, and says how to get the fast start.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error(
      'classifier-training: expected the compiled package in dist/, but got none (and no tsx to run the sources); run `npm run build`',
    );
    process.exit(1);
  }
  tsx.register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
