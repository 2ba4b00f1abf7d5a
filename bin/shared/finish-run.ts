// What every training command does when its run ends: write the run's report (a report failure
// never fails the run), say where the checkpoint, the log and the report are, and return the exit
// code (130 when the run was interrupted, as after Ctrl-C).
import { runPaths } from '../../lib/train/train.js';

/**
 * Writes report.html for one run (into its directory) or overlays several runs (into `outDir`,
 * default the first run's); returns the report's path, or why it was not written.
 */
export async function writeReportSafely(runDirs: string | readonly string[], outDir?: string): Promise<string> {
  try {
    // Loaded here, not at start-up: Vega takes about 2 s to import.
    const { writeReport } = await import('../../lib/report/write-report.js');
    return (await writeReport(typeof runDirs === 'string' ? [runDirs] : runDirs, { outDir })).html;
  } catch (err) {
    return `not written: ${(err as Error).message}`;
  }
}

export async function finishRun(runDir: string, status: string, checkpoint: string): Promise<number> {
  const report = await writeReportSafely(runDir);
  console.log(`${status}; checkpoint ${checkpoint}`);
  console.log(`log ${runPaths(runDir).log}`);
  console.log(`report ${report}`);
  return status === 'completed' ? 0 : 130;
}
