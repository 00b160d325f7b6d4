// Benchmark sizes. quick is what the browser test runs (CI has 2 cores and software WebGL), so
// it is small on purpose; standard trains long enough for the digit pad to be worth trying.
export interface Profile {
  readonly name: string;
  readonly train: number;
  readonly test: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly hiddenSize: number;
  readonly lr: number;
  readonly seed: number;
}

export const PROFILES: Readonly<Record<string, Profile>> = {
  quick: { name: 'quick', train: 512, test: 256, epochs: 1, batchSize: 64, hiddenSize: 16, lr: 3e-3, seed: 42 },
  standard: { name: 'standard', train: 4096, test: 1024, epochs: 3, batchSize: 64, hiddenSize: 48, lr: 3e-3, seed: 42 },
};

export function describeProfile(p: Profile): string {
  return `${p.train} train / ${p.test} test images, LSTM(28 → ${p.hiddenSize}) + dense(10), ${p.epochs} epoch${p.epochs === 1 ? '' : 's'}, batch ${p.batchSize}, Adam lr ${p.lr}, seed ${p.seed}`;
}
