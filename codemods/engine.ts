import type { ts } from 'ts-morph';
import { analyzeProgram, type Progress } from './analysis/analyze.js';
import { applyEdits } from './ast/text-edits.js';
import type { CodemodOptions } from './options.js';
import { needsReview, type ManualSite } from './reasons.js';
import type { WriteSkip } from './skips.js';
import { dominantLineEnding, withLineEnding } from './text-form.js';
import { relocateSites } from './positions.js';

export type FileStatus = 'ok' | 'unmodified' | 'skipped' | 'error' | 'needs-review';

export interface FileResult {
  fileName: string;
  status: FileStatus;
  edits: number;
  manualSites: ManualSite[];
  before: string;
  after: string;
  error?: string;
  /** `manualSites` at their positions in `after` (what `--write` reports: the lines as written). */
  manualSitesAfter: ManualSite[];
  /** Why `--write` left it as it was (status `skipped`). */
  skip?: WriteSkip;
}

/**
 * Analysis, then one application of all text edits per file. Nothing is written here: the caller
 * decides between a diff and a write.
 */
export function runCodemod(
  program: ts.Program,
  selected: readonly string[],
  options: CodemodOptions,
  progress?: Progress,
): FileResult[] {
  const plans = analyzeProgram(program, new Set(selected), options, progress);
  const results: FileResult[] = [];
  for (const fileName of selected) {
    const before = program.getSourceFile(fileName)?.text ?? '';
    const plan = plans.get(fileName);
    if (!plan) {
      // Not loaded: its text cannot hold a site.
      results.push({ fileName, status: 'skipped', edits: 0, manualSites: [], manualSitesAfter: [], before, after: before });
      continue;
    }
    if (plan.error) {
      results.push({ fileName, status: 'error', edits: 0, manualSites: [], manualSitesAfter: [], before, after: before, error: plan.error });
      continue;
    }
    let after = before;
    try {
      after = applyEdits(before, plan.edits);
    } catch (err) {
      results.push({ fileName, status: 'error', edits: 0, manualSites: plan.manual, manualSitesAfter: plan.manual, before, after: before, error: (err as Error).message });
      continue;
    }
    const changed = after !== before;
    const manualSitesAfter = relocateSites(before, after, plan.edits, plan.manual);
    // The edits end their lines with `\n`: a CRLF file would come back mixed.
    if (changed) after = withLineEnding(after, dominantLineEnding(before));
    const status: FileStatus =
      plan.manual.some(needsReview) ? 'needs-review' : changed ? 'ok' : plan.scanned ? 'unmodified' : 'skipped';
    results.push({ fileName, status, edits: changed ? plan.editCount : 0, manualSites: plan.manual, manualSitesAfter, before, after });
  }
  return results;
}
