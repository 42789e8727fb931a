// Cron schedules as Woodpecker 3.x accepts them (robfig/cron `ParseStandard`, kept by the
// gdgvda fork in 3.15+): five fields `minute hour day-of-month month day-of-week` with lists,
// ranges, steps and month/day names, plus the descriptors `@yearly` … `@hourly` and
// `@every <go duration>`. Times are UTC; the scheduler ticks once a minute.
//
// Written here rather than taken from npm: the npm cron parsers (cron-parser, croner, cron)
// each accept a different superset — seconds fields, `L`, `W`, `#`, years — that Woodpecker
// answers with 422, while the grammar to match is small and fixed. One parser serves both the
// config's validation (`disinto validate`, `init` before its first write) and the sandbox CI's
// scheduler, so what validates is exactly what the sandbox runs.

export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

export interface CronSchedule {
  readonly expression: string;
  /** The first run strictly after `after`, or null when none exists within five years (e.g. `0 0 30 2 *`). */
  next(after: Date): Date | null;
}

interface Bounds {
  name: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: readonly Bounds[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day of week", min: 0, max: 6, names: DAY_NAMES },
];

/** Woodpecker's @-descriptors as the five fields they stand for. */
export const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MINUTE = 60_000;
// robfig gives up after five years of searching; so do we.
const SEARCH_YEARS = 5;

interface Field {
  allowed: Set<number>;
  /** Written as `*` or `?` (a step of 1 keeps it so): changes how day-of-month and day-of-week combine. */
  star: boolean;
}

export function parseCron(expression: string): CronSchedule {
  const expr = expression.trim();
  if (expr === "") throw new CronSyntaxError("empty spec string");
  if (/^(?:CRON_)?TZ=/.test(expr)) {
    throw new CronSyntaxError("time zone prefixes are not supported: schedules are evaluated in UTC");
  }
  if (expr.startsWith("@every")) {
    const rest = expr.slice("@every".length);
    if (!/^\s/.test(rest)) throw new CronSyntaxError(`unrecognized descriptor: ${expr}`);
    const ms = parseGoDuration(rest.trim());
    return everySchedule(expr, ms);
  }
  if (expr.startsWith("@")) {
    const fields = DESCRIPTORS[expr.toLowerCase()];
    if (fields === undefined) throw new CronSyntaxError(`unrecognized descriptor: ${expr}`);
    return fieldSchedule(expr, fields);
  }
  return fieldSchedule(expr, expr);
}

/** Next run of `expression` strictly after `after` (null: never within five years). */
export function nextCronRun(expression: string, after: Date): Date | null {
  return parseCron(expression).next(after);
}

function everySchedule(expression: string, ms: number): CronSchedule {
  // robfig: the delay is whole seconds, at least one; the next run is the previous one
  // (sub-second part dropped) plus the delay.
  const delay = Math.max(1000, ms - (ms % 1000));
  return {
    expression,
    next(after: Date): Date {
      const t = after.getTime();
      return new Date(t - (((t % 1000) + 1000) % 1000) + delay);
    },
  };
}

function fieldSchedule(expression: string, spec: string): CronSchedule {
  const parts = spec.split(/\s+/).filter((p) => p !== "");
  if (parts.length !== FIELDS.length) {
    throw new CronSyntaxError(`expected exactly 5 fields, found ${parts.length}: ${JSON.stringify(expression)}`);
  }
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i] as Bounds)) as [Field, Field, Field, Field, Field];

  const dayMatches = (d: Date): boolean => {
    const domOk = dom.allowed.has(d.getUTCDate());
    const dowOk = dow.allowed.has(d.getUTCDay());
    // Classic cron: when both day fields are restricted, either may match.
    if (dom.star || dow.star) return domOk && dowOk;
    return domOk || dowOk;
  };

  return {
    expression,
    next(after: Date): Date | null {
      // the first whole minute strictly after `after`
      let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
      const limitYear = new Date(t).getUTCFullYear() + SEARCH_YEARS;
      for (;;) {
        const d = new Date(t);
        if (d.getUTCFullYear() > limitYear) return null;
        if (!month.allowed.has(d.getUTCMonth() + 1)) {
          t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
          continue;
        }
        if (!dayMatches(d)) {
          t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
          continue;
        }
        if (!hour.allowed.has(d.getUTCHours())) {
          t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
          continue;
        }
        if (!minute.allowed.has(d.getUTCMinutes())) {
          t += MINUTE;
          continue;
        }
        return d;
      }
    },
  };
}

function parseField(text: string, b: Bounds): Field {
  const allowed = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    const r = parseRange(part, b);
    for (let v = r.start; v <= r.end; v += r.step) allowed.add(v);
    if (r.star) star = true;
  }
  return { allowed, star };
}

function parseRange(part: string, b: Bounds): { start: number; end: number; step: number; star: boolean } {
  const where = `${b.name} field`;
  const slash = part.split("/");
  if (slash.length > 2) throw new CronSyntaxError(`${where}: too many slashes: ${part}`);
  const [rangeText = "", stepText] = slash;
  let start: number;
  let end: number;
  let star = false;
  if (rangeText === "*" || rangeText === "?") {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    const dash = rangeText.split("-");
    if (dash.length > 2) throw new CronSyntaxError(`${where}: too many hyphens: ${part}`);
    start = parseValue(dash[0] ?? "", b);
    end = dash.length === 2 ? parseValue(dash[1] ?? "", b) : start;
    // `5/15` means "from 5 to the maximum, every 15"
    if (dash.length === 1 && stepText !== undefined) end = b.max;
  }
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) throw new CronSyntaxError(`${where}: failed to parse step from ${JSON.stringify(part)}`);
    step = Number(stepText);
    if (step <= 0) throw new CronSyntaxError(`${where}: step of range should be a positive number: ${part}`);
    if (step > 1) star = false;
  }
  if (start < b.min) throw new CronSyntaxError(`${where}: beginning of range (${start}) below minimum (${b.min}): ${part}`);
  if (end > b.max) throw new CronSyntaxError(`${where}: end of range (${end}) above maximum (${b.max}): ${part}`);
  if (start > end) throw new CronSyntaxError(`${where}: beginning of range (${start}) beyond end of range (${end}): ${part}`);
  return { start, end, step, star };
}

function parseValue(text: string, b: Bounds): number {
  const named = b.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`${b.name} field: failed to parse int from ${JSON.stringify(text)}`);
  return Number(text);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go `time.ParseDuration` string (`5m`, `1h30m`, `1.5h`, `90s`) in milliseconds. */
export function parseGoDuration(text: string): number {
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s.startsWith("-")) sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw new CronSyntaxError(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  const re = /(\d*\.?\d*)([a-zµμ]+)/gy;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const [, num = "", unit = ""] = m;
    const factor = DURATION_UNITS[unit];
    if (num === "" || num === "." || factor === undefined) throw new CronSyntaxError(`invalid duration ${JSON.stringify(text)}`);
    total += Number(num) * factor;
    consumed = re.lastIndex;
  }
  if (consumed !== s.length) throw new CronSyntaxError(`invalid duration ${JSON.stringify(text)}`);
  return sign * total;
}
