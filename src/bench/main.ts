/**
 * `npm run bench`: the bench subcommand on its own, runnable with tsx from a fresh clone.
 * `npm run bench -- --quick --json bench.json --chart bench.svg`
 */
import { benchCommand } from './command.js';

await benchCommand().parseAsync(process.argv);
