#!/usr/bin/env node
// Runs the CLI from source through tsx, so a fresh clone works without a build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
