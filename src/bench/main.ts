/**
 * `npm run bench`: the bench subcommand on its own, run from the build (dist/) as production
 * runs: under tsx, esbuild's keepNames gives every closure a name property, about 1 kB a peer more.
 * `npm run bench -- --quick --json bench.json --chart bench.svg`
 */
import { benchCommand } from './command.js';

await benchCommand().parseAsync(process.argv);
