// Runs the spec runner without the wasmjit CLI: node dist/spectest/main.js [options] (see index.ts).
import { runSpecCli } from './index.js';

process.exitCode = await runSpecCli(process.argv.slice(2));
