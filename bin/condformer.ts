#!/usr/bin/env node
// The `condformer` executable. Published compiled (dist/bin/condformer.js, run by plain node);
// in the repository `npm run cli -- <command>` runs it from the sources under tsx.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
