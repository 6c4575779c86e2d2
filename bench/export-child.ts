// Runs `amanah <arguments>` in this process, then reports on stderr, as its last line, JSON with main()'s exit
// code, how long main() took, and the process's peak resident memory (maxRSS), which a parent cannot read.
import { main } from '../src/cli/main.ts';

const started = performance.now();
const code = await main(process.argv.slice(2));
const elapsedMs = performance.now() - started;
process.stderr.write(`\n${JSON.stringify({ code, elapsedMs, maxRssKb: process.resourceUsage().maxRSS })}\n`);
process.exit(code);
