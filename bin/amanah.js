#!/usr/bin/env node
// The package bin: Node >= 22.18 runs the TypeScript sources directly by type stripping.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
if (process.argv[2] !== 'serve') process.exit(process.exitCode);
