#!/usr/bin/env node
// The `poolshift` command: a thin dispatcher; each subcommand is defined where its code lives.
import { Command } from 'commander';
import { codemodCommand } from '../codemods/cli.js';
import { benchCommand } from './bench/command.js';
import { gateCommand } from './fleet/command.js';
import { nodeCommand } from './node/command.js';
import { rehearseCommand } from './rehearsal/command.js';
import { rolloutCommand } from './rehearsal/rollout-command.js';

const program = new Command('poolshift')
  .description('migrate a P2P peer manager from three maps to one')
  .showHelpAfterError();

program.addCommand(codemodCommand());
program.addCommand(nodeCommand());
program.addCommand(benchCommand());
program.addCommand(rehearseCommand());
program.addCommand(gateCommand());
program.addCommand(rolloutCommand());

await program.parseAsync(process.argv);
