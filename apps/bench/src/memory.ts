// Peak memory of the current process: the largest RSS sampled (on a timer and whenever the code
// calls sample(), since a busy training loop may starve timers) and the kernel's maxRSS.
export class MemorySampler {
  peakRss = process.memoryUsage.rss();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  /** resourceUsage().maxRSS is in kilobytes. */
  maxRss(): number {
    return process.resourceUsage().maxRSS * 1024;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
