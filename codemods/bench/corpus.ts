// `npm run codemod:corpus`: the codemod over the corpus of managers written the way real projects
// write them (codemods/bench/corpus/), each checked by its behaviour harness. Prints a table for
// the README: converted / refused with the right reason / known gap / wrong, and the time per file.
import { runCorpus, type EntryResult } from './run-corpus.js';

const results = await runCorpus();
const count = (o: EntryResult['outcome']): number => results.filter((r) => r.outcome === o).length;
const rows = results.map((r) => {
  const flags = r.flags.length > 0 ? ` (${r.flags.join(' ')})` : '';
  return `| ${r.entry.name} | ${r.entry.shape} | ${r.outcome}${flags} | ${r.codes.join(', ') || '-'} | ${Math.round(r.ms)} ms |`;
});
console.log('| manager | shape | outcome | codes | codemod time |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? 0;
console.log('');
// The first run also loads the standard library's declarations: the median is the per-file cost.
console.log(
  `${results.length} managers: ${count('converted')} converted, ${count('refused')} refused with the right reason, ` +
    `${count('known-gap')} known gap, ${count('wrong')} wrong; codemod time per file: median ${Math.round(median)} ms, ` +
    `first ${Math.round(results[0]?.ms ?? 0)} ms (it also loads the standard library), max ${Math.round(times.at(-1) ?? 0)} ms`,
);
for (const r of results.filter((x) => x.outcome === 'wrong' || x.outcome === 'known-gap')) console.log(`${r.entry.name}: ${r.detail}`);
if (count('wrong') > 0) process.exitCode = 1;
