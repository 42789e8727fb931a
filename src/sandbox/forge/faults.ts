// Fault injection: per-route latency, 5xx answers, dropped connections, lost answers and
// forced contents-API CAS conflicts, drawn from a seedable PRNG so a failing test can be
// replayed.
import { UsageError } from "../../lib/errors.ts";
import { globMatch } from "./glob.ts";

export interface FaultRule {
  /** Glob on "METHOD /api/v1/path" (query excluded), e.g. "* /api/v1/repos/**". */
  route: string;
  latencyMs?: number;
  /** 0..1: answer 500 instead of handling the request. */
  errorRate?: number;
  /** 0..1: destroy the socket without answering. */
  dropRate?: number;
  /** 0..1: contents-API writes answer 409 as if another writer had moved the file. */
  casConflictRate?: number;
  /**
   * 0..1: handle the request — the write lands — and then lose the answer: the connection is
   * dropped (or, every other time, a 500 is sent) after `lostAnswerDelayMs`, a window in which
   * other clients see the write. What a client cannot tell from a failure before handling.
   */
  lostAnswerRate?: number;
  lostAnswerDelayMs?: number;
}

/** What to do to one request: the union of every matching rule. */
export interface FaultDecision {
  latencyMs: number;
  drop: boolean;
  error: boolean;
  casConflict: boolean;
  /** Handle the request, then drop the connection (`drop`) or answer 500 (`error`) after `delayMs`. */
  lostAnswer: { as: "drop" | "error"; delayMs: number } | undefined;
}

export const DEFAULT_FAULT_ROUTE = "* /api/v1/**";

/** mulberry32: tiny, fast, good enough to make fault sequences reproducible. */
export function makePrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: FaultRule[];
  private readonly random: () => number;

  constructor(rules: FaultRule[], seed?: number) {
    this.rules = rules.map(validateRule);
    this.random = makePrng(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map(validateRule);
  }

  decide(method: string, path: string, isContentsWrite: boolean): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, drop: false, error: false, casConflict: false, lostAnswer: undefined };
    const subject = `${method} ${path}`;
    for (const r of this.rules) {
      if (!globMatch(r.route, subject)) continue;
      d.latencyMs += r.latencyMs ?? 0;
      // Draw only for the rates a rule sets, so adding latency to a rule does not shift the
      // sequence of error draws of a seeded run.
      if (r.dropRate !== undefined && this.random() < r.dropRate) d.drop = true;
      if (r.errorRate !== undefined && this.random() < r.errorRate) d.error = true;
      if (isContentsWrite && r.casConflictRate !== undefined && this.random() < r.casConflictRate) d.casConflict = true;
      if (r.lostAnswerRate !== undefined && this.random() < r.lostAnswerRate) {
        d.lostAnswer = { as: this.random() < 0.5 ? "drop" : "error", delayMs: Math.max(d.lostAnswer?.delayMs ?? 0, r.lostAnswerDelayMs ?? 0) };
      }
    }
    return d;
  }
}

function validateRule(r: FaultRule): FaultRule {
  const rate = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new UsageError(`fault rule ${r.route}: ${name} must be between 0 and 1, got ${v}`);
  };
  rate("errorRate", r.errorRate);
  rate("dropRate", r.dropRate);
  rate("casConflictRate", r.casConflictRate);
  rate("lostAnswerRate", r.lostAnswerRate);
  if (r.lostAnswerDelayMs !== undefined && !(r.lostAnswerDelayMs >= 0)) throw new UsageError(`fault rule ${r.route}: lost-answer delay must be >= 0 ms`);
  if (r.latencyMs !== undefined && !(r.latencyMs >= 0)) throw new UsageError(`fault rule ${r.route}: latency must be >= 0 ms`);
  if (!/^\S+ \S+$/.test(r.route)) throw new UsageError(`fault rule route must be "METHOD /path-glob", got "${r.route}"`);
  return r;
}

export const FAULT_SPEC_HELP = `Fault spec: rules separated by ';', each a comma-separated list of key=value:
  route=GLOB   which requests: "METHOD /path" glob, '*' within a segment, '**' across
               (default "${DEFAULT_FAULT_ROUTE}"; git traffic is "* /owner/repo.git/**")
  5xx=RATE     answer 500 with this probability (0..1)
  drop=RATE    destroy the connection without answering
  latency=MS   delay every matching request
  cas=RATE     contents-API writes answer 409 (lost compare-and-swap)
  lost=RATE    handle the request, then drop the connection or answer 500 (the answer is lost)
  lostdelay=MS how long a lost answer keeps the client waiting (others see the write meanwhile)
Examples: "5xx=0.2"   "route=PUT /api/v1/repos/**,cas=0.5;latency=20"`;

/** Parse the CLI syntax documented in FAULT_SPEC_HELP. Throws UsageError on a bad spec. */
export function parseFaults(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  for (const part of spec.split(";")) {
    if (part.trim() === "") continue;
    const rule: FaultRule = { route: DEFAULT_FAULT_ROUTE };
    for (const kv of part.split(",")) {
      const eq = kv.indexOf("=");
      if (eq < 0) throw new UsageError(`fault spec: expected key=value, got "${kv.trim()}"`);
      const key = kv.slice(0, eq).trim();
      const value = kv.slice(eq + 1).trim();
      const num = (): number => {
        const n = Number(value);
        if (value === "" || !Number.isFinite(n)) throw new UsageError(`fault spec: ${key} needs a number, got "${value}"`);
        return n;
      };
      switch (key) {
        case "route":
          rule.route = value;
          break;
        case "5xx":
          rule.errorRate = num();
          break;
        case "drop":
          rule.dropRate = num();
          break;
        case "latency":
          rule.latencyMs = num();
          break;
        case "cas":
          rule.casConflictRate = num();
          break;
        case "lost":
          rule.lostAnswerRate = num();
          break;
        case "lostdelay":
          rule.lostAnswerDelayMs = num();
          break;
        default:
          throw new UsageError(`fault spec: unknown key "${key}" (expected route, 5xx, drop, latency, cas, lost, lostdelay)`);
      }
    }
    rules.push(validateRule(rule));
  }
  return rules;
}
