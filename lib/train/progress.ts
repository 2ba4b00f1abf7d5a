// The training progress display on stderr: on a TTY one line redrawn in place (at most every
// 100 ms); otherwise a plain line every `everySteps` steps. `quiet` prints nothing.
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressUpdate {
  readonly epoch: number; // 0-based
  readonly epochs: number;
  readonly step: number; // global optimizer step
  readonly stepInEpoch: number; // batches done in this epoch
  readonly stepsPerEpoch: number | null; // null while unknown
  readonly loss: number;
  readonly lr: number;
  readonly imagesPerSec: number;
  readonly etaSeconds: number | null;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 20;

export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly options: { readonly quiet?: boolean; readonly everySteps: number; readonly stream?: ProgressStream }) {}

  private get stream(): ProgressStream {
    return this.options.stream ?? process.stderr;
  }

  update(u: ProgressUpdate): void {
    if (this.options.quiet) return;
    if (this.stream.isTTY) {
      const now = Date.now();
      const epochDone = u.stepsPerEpoch !== null && u.stepInEpoch === u.stepsPerEpoch;
      if (now - this.lastDraw < REDRAW_MS && !epochDone) return;
      this.lastDraw = now;
      const width = this.stream.columns ?? 100;
      this.stream.write(`\r\x1b[K${formatUpdate(u, true).slice(0, width - 1)}`);
      this.drawn = true;
    } else if (u.step % this.options.everySteps === 0) {
      this.stream.write(`${formatUpdate(u, false)}\n`);
    }
  }

  /** A permanent line (epoch summaries, evaluation results). */
  line(text: string): void {
    if (this.options.quiet) return;
    this.clear();
    this.stream.write(`${text}\n`);
  }

  /** Remove the redrawn line (before the run ends or something else prints). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

export function formatUpdate(u: ProgressUpdate, withBar: boolean): string {
  const total = u.stepsPerEpoch;
  const count = total === null ? `${u.stepInEpoch}` : `${u.stepInEpoch}/${total}`;
  const bar = withBar && total !== null ? `[${barOf(u.stepInEpoch / total)}] ` : '';
  const eta = u.etaSeconds === null ? '' : ` ETA ${formatEta(u.etaSeconds)}`;
  return `epoch ${u.epoch + 1}/${u.epochs} ${bar}${count} step ${u.step} loss ${formatValue(u.loss)} lr ${u.lr.toExponential(2)} ${u.imagesPerSec.toFixed(1)} img/s${eta}`;
}

function barOf(fraction: number): string {
  const filled = Math.min(BAR_WIDTH, Math.round(fraction * BAR_WIDTH));
  return '='.repeat(filled) + ' '.repeat(BAR_WIDTH - filled);
}

export function formatValue(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(4) : x.toExponential(3);
}

/** 3725 → `1h02m05s`, 95 → `1m35s`, 7.2 → `7s`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${pad(m)}m${pad(rest)}s`;
  if (m > 0) return `${m}m${pad(rest)}s`;
  return `${rest}s`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
