// Progress display in the parent: one bar per step (data preparation, validation, each epoch,
// evaluation), fed by the messages of the worker processes, with live loss, throughput and ETA.
// When stderr is not a terminal, bars are silent and only the step summaries are printed.
import cliProgress from 'cli-progress';

export interface ProgressSink {
  /** Starts a bar for a new step (ending the previous one). */
  phase(prefix: string, label: string, total: number, unit: string): void;
  tick(done: number, loss?: number): void;
  /** A line of text above the bars. */
  note(text: string): void;
  /** Ends the current bar, printing its summary. */
  end(): void;
}

function rate(n: number, seconds: number): string {
  const r = n / Math.max(seconds, 1e-9);
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

export class ConsoleProgress implements ProgressSink {
  private bar: cliProgress.SingleBar | undefined;
  private current: { prefix: string; label: string; total: number; unit: string; started: number; done: number; printed: number; loss?: number | undefined } | undefined;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(out.isTTY);
  }

  phase(prefix: string, label: string, total: number, unit: string): void {
    this.end();
    this.current = { prefix, label, total, unit, started: performance.now(), done: 0, printed: performance.now() };
    if (!this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.out,
        // Steps (load, validate) have no meaningful rate: show the elapsed time instead.
        format:
          unit === 'steps'
            ? `  ${prefix.padEnd(16)} ${label.padEnd(20)} [{bar}] {value}/{total} | {duration_formatted}`
            : `  ${prefix.padEnd(16)} ${label.padEnd(20)} [{bar}] {value}/{total} ${unit} | {speed} ${unit}/s{lossText} | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
        etaBuffer: 20,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { speed: '-', lossText: '' });
  }

  tick(done: number, loss?: number): void {
    const c = this.current;
    // Nothing done yet: the bar already shows 0, and a rate or ETA from 0 is meaningless.
    if (!c || done === 0) return;
    c.done = done;
    if (loss !== undefined) c.loss = loss;
    const seconds = (performance.now() - c.started) / 1000;
    this.bar?.update(done, { speed: rate(done, seconds), lossText: c.loss !== undefined ? ` | loss ${c.loss.toFixed(4)}` : '' });
    // Without a terminal, a line every 15 s shows that a long step is alive.
    if (!this.tty && performance.now() - c.printed > 15_000 && done < c.total) {
      c.printed = performance.now();
      const eta = done > 0 ? ((c.total - done) * seconds) / done : NaN;
      const loss = c.loss !== undefined ? `, loss ${c.loss.toFixed(4)}` : '';
      this.out.write(`  ${c.prefix.padEnd(16)} ${c.label.padEnd(20)} ${done}/${c.total} ${c.unit}, ${rate(done, seconds)} ${c.unit}/s${loss}, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}\n`);
    }
  }

  note(text: string): void {
    const prefix = this.current?.prefix;
    this.end();
    this.out.write(`  ${(prefix ?? '').padEnd(16)} ${text}\n`);
  }

  end(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
      // The bar's last frame stays on screen; no summary needed.
      return;
    }
    const seconds = (performance.now() - c.started) / 1000;
    const speed = c.unit === 'steps' ? '' : `, ${rate(c.done, seconds)} ${c.unit}/s`;
    const loss = c.loss !== undefined ? `, last loss ${c.loss.toFixed(4)}` : '';
    this.out.write(`  ${c.prefix.padEnd(16)} ${c.label.padEnd(20)} ${c.done}/${c.total} ${c.unit} in ${seconds.toFixed(1)} s${speed}${loss}\n`);
  }
}

/** Discards everything (tests). */
export const silentProgress: ProgressSink = { phase() {}, tick() {}, note() {}, end() {} };
