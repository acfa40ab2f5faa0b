#!/usr/bin/env node
// The `poolshift` command: a thin dispatcher; each subcommand is defined where its code lives.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, type CommanderError } from 'commander';
import { codemodCommand } from '../codemods/cli.js';
import { benchCommand } from './bench/command.js';
import { gateCommand } from './fleet/command.js';
import { nodeCommand } from './node/command.js';
import { rehearseCommand } from './rehearsal/command.js';
import { rolloutCommand } from './rehearsal/rollout-command.js';

/** The status of a usage error (unknown option, missing value, bad choice), as the README says. */
const EXIT_USAGE = 2;

/** The version in package.json: one folder up from src/cli.ts, two from dist/src/cli.js. */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'poolshift' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look one folder up
    }
  }
  return 'unknown';
}

/**
 * Commander exits 1 on a usage error and may add a second line (a suggestion): here every command
 * says what is wrong in one line, `poolshift <command>: ...`, and exits 2. Help and --version keep
 * their status. Subcommands added with addCommand inherit no settings, hence the walk.
 */
function usageErrorsExit2(command: Command, path: string): void {
  command
    .configureOutput({ outputError: (text, write) => write(`${path}: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}\n`) })
    // Help asked for and --version exit 0; anything else here is a usage error.
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));
  for (const sub of command.commands) usageErrorsExit2(sub, `${path} ${sub.name()}`);
}

const program = new Command('poolshift')
  .description('migrate a P2P peer manager from three maps to one')
  .version(packageVersion(), '-V, --version', 'print the version of poolshift');

program.addCommand(codemodCommand());
program.addCommand(nodeCommand());
program.addCommand(benchCommand());
program.addCommand(rehearseCommand());
program.addCommand(gateCommand());
program.addCommand(rolloutCommand());
usageErrorsExit2(program, 'poolshift');

await program.parseAsync(process.argv);
