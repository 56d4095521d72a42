// The compiled CLI as `npm ci` installs it (bin/segmint.js runs dist/ when it is newer than src/): the benchmarks
// build once and run this, so that other edits to src/ while they run do not switch them to the TypeScript loader.
import { main } from '../dist/cli/main.js';
process.exitCode = await main(process.argv.slice(2));
