// Counts the requests one client sent (every attempt, retries included), in total and by
// "METHOD /route/{template}", for benchmarks and for the run's outcome line.

export interface RequestStats {
  total: number;
  /** Attempts beyond the first of a request (already included in `total`). */
  retries: number;
  /** Keyed by `"GET /repos/{owner}/{repo}/issues"`. */
  byRoute: Record<string, number>;
}

export class RequestCounter {
  private totalCount = 0;
  private retryCount = 0;
  private readonly routes = new Map<string, number>();

  record(method: string, route: string, isRetry: boolean): void {
    this.totalCount += 1;
    if (isRetry) this.retryCount += 1;
    const key = `${method} ${route}`;
    this.routes.set(key, (this.routes.get(key) ?? 0) + 1);
  }

  get total(): number {
    return this.totalCount;
  }

  count(method: string, route: string): number {
    return this.routes.get(`${method} ${route}`) ?? 0;
  }

  snapshot(): RequestStats {
    return { total: this.totalCount, retries: this.retryCount, byRoute: Object.fromEntries(this.routes) };
  }

  reset(): void {
    this.totalCount = 0;
    this.retryCount = 0;
    this.routes.clear();
  }
}
