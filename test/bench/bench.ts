// Shared shape of a benchmark figure and a median helper. Benchmarks print numbers; they
// never fail a test run (timing does not belong in assertions).
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "≤ 150 ms". */
  target?: string;
  /** Whether the figure meets its target, when there is one. */
  ok?: boolean;
  detail?: string;
}

export type Bench = () => Promise<Figure[]>;

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
