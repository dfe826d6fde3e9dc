// `node dist/fuzz/replay.js CASE.json`: replays one regression case in this process (so that a
// crash shows as this process dying) and prints its verdict as JSON; exits 0 when it passes.
import { replay } from './regressions.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: node dist/fuzz/replay.js test/regressions/CASE.json');
  process.exit(2);
}
const verdict = await replay(file);
console.log(JSON.stringify(verdict));
process.exit(verdict.pass ? 0 : 1);
