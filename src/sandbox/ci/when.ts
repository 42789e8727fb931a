// `when:` evaluation with Woodpecker's semantics (pipeline/frontend/yaml/constraint): a list
// of conditions is OR, the keys inside one condition are AND. `status` is not a filter but
// decides, at run time, whether the step runs while the workflow is failing; it only counts
// on the conditions that match.
import type { Condition, ConstraintList, PathConstraint } from "./config.ts";
import { globMatch } from "./glob.ts";
import { isPullRequestEvent, type PipelineMetadata } from "./metadata.ts";

/** The facts filters look at, derived from the pipeline metadata. */
export interface WhenContext {
  event: string;
  /** `CI_COMMIT_BRANCH` (target branch for PRs). */
  branch: string;
  ref: string;
  /** Cron job name on cron events. */
  cron?: string;
  changedFiles: readonly string[];
  commitMessage: string;
  /** `owner/name` */
  repo: string;
  platform: string;
  instance: string;
  /** Variables `evaluate` expressions can read (the CI_* environment). */
  env: Readonly<Record<string, string>>;
}

export function whenContext(meta: PipelineMetadata, env: Readonly<Record<string, string>> = {}): WhenContext {
  const ctx: WhenContext = {
    event: meta.pipeline.event,
    branch: meta.pipeline.commit.branch,
    ref: meta.pipeline.commit.ref,
    changedFiles: meta.pipeline.changedFiles ?? [],
    commitMessage: meta.pipeline.commit.message ?? "",
    repo: `${meta.repo.owner}/${meta.repo.name}`,
    platform: meta.system.platform ?? localPlatform(),
    instance: hostOf(meta.system.url),
    env,
  };
  if (meta.pipeline.cron !== undefined) ctx.cron = meta.pipeline.cron;
  return ctx;
}

export function localPlatform(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
  return `${process.platform}/${arch}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/** Include/exclude globs: excluded → no; included → yes; no include list → yes. */
export function listMatches(c: ConstraintList | undefined, value: string): boolean {
  if (c === undefined) return true;
  if (c.exclude.some((p) => globMatch(p, value))) return false;
  if (c.include.some((p) => globMatch(p, value))) return true;
  return c.include.length === 0;
}

/** Changed-files filter: an exclude only wins when every file is excluded. */
export function pathMatches(c: PathConstraint | undefined, files: readonly string[], message: string): boolean {
  if (c === undefined) return true;
  if (c.ignoreMessage && message.toLowerCase().includes(c.ignoreMessage.toLowerCase())) return true;
  if (files.length === 0) return c.onEmpty;
  if (c.exclude.length > 0 && files.every((f) => c.exclude.some((p) => globMatch(p, f)))) return false;
  if (c.include.length > 0 && !files.some((f) => c.include.some((p) => globMatch(p, f)))) return false;
  return true;
}

/** Whether one condition's filters (everything but `status`) match. */
export function conditionMatches(c: Condition, ctx: WhenContext): boolean {
  // `matrix` is accepted and ignored; `local` is for woodpecker-cli exec only.
  if (!listMatches(c.platform, ctx.platform)) return false;
  if (c.event.length > 0 && !c.event.includes(ctx.event)) return false;
  if (!listMatches(c.repo, ctx.repo)) return false;
  if (!listMatches(c.ref, ctx.ref)) return false;
  if (!listMatches(c.instance, ctx.instance)) return false;
  // changed files only exist for pushes and pull requests
  if ((ctx.event === "push" || isPullRequestEvent(ctx.event)) && !pathMatches(c.path, ctx.changedFiles, ctx.commitMessage)) return false;
  // tags have no branch
  if (ctx.event !== "tag" && !listMatches(c.branch, ctx.branch)) return false;
  // the cron filter is a no-op on other events
  if (ctx.event === "cron" && !listMatches(c.cron, ctx.cron ?? "")) return false;
  if (c.evaluate !== undefined && !compileEvaluate(c.evaluate)(ctx.env)) return false;
  return true;
}

export interface WhenResult {
  /** The filters match: the step or workflow is part of the pipeline. */
  match: boolean;
  /** Runs while everything so far succeeded. */
  onSuccess: boolean;
  /** Runs after something failed. */
  onFailure: boolean;
}

export function evaluateWhen(when: readonly Condition[], ctx: WhenContext): WhenResult {
  if (when.length === 0) return { match: true, onSuccess: true, onFailure: false };
  const matching = when.filter((c) => conditionMatches(c, ctx));
  return {
    match: matching.length > 0,
    onFailure: matching.some((c) => c.status.includes("failure")),
    // success is presumed unless a matching condition lists statuses without it
    onSuccess: !matching.some((c) => c.status.length > 0 && !c.status.includes("success")),
  };
}

/** Run-time decision for a step whose filters matched. */
export function shouldRun(result: WhenResult, failing: boolean): boolean {
  return failing ? result.onFailure : result.onSuccess;
}

// ---------------------------------------------------------------------------------------
// `evaluate`: Woodpecker runs expr-lang. The sandbox understands the common subset —
// true/false, `VAR == "x"`, `!=`, `contains`, `startsWith`, `endsWith`, `in [..]`, `!`,
// `&&`/`and`, `||`/`or`, parentheses — and refuses the rest so a workflow never silently runs
// when Woodpecker would not.

export type Evaluator = (env: Readonly<Record<string, string>>) => boolean;

type Tok = { k: "str"; v: string } | { k: "id"; v: string } | { k: "op"; v: string };
type Operand = { lit: string | boolean | null } | { var: string } | { list: Operand[] };

const evalCache = new Map<string, Evaluator>();

export function compileEvaluate(expression: string): Evaluator {
  const hit = evalCache.get(expression);
  if (hit) return hit;
  const toks = tokenize(expression);
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`evaluate expression not supported by the sandbox CI (${why}): ${expression}`);
  };
  const peek = (): Tok | undefined => toks[i];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && ((t.k === "op" && t.v === v) || (t.k === "id" && t.v === v));
  };
  const operand = (): Operand => {
    const t = toks[i++];
    if (t === undefined) return fail("unexpected end");
    if (t.k === "str") return { lit: t.v };
    if (t.k === "id") {
      if (t.v === "true" || t.v === "false") return { lit: t.v === "true" };
      if (t.v === "nil") return { lit: null };
      return { var: t.v };
    }
    if (t.v === "[") {
      const list: Operand[] = [];
      while (!isOp("]")) {
        list.push(operand());
        if (isOp(",")) i++;
        else if (!isOp("]")) fail("expected , or ]");
      }
      i++;
      return { list };
    }
    return fail(`unexpected ${t.v}`);
  };
  const value = (o: Operand, env: Readonly<Record<string, string>>): unknown => ("lit" in o ? o.lit : "var" in o ? env[o.var] : o.list.map((x) => value(x, env)));
  const COMPARE = ["==", "!=", "contains", "startsWith", "endsWith", "in"];
  const primary = (): Evaluator => {
    if (isOp("(")) {
      i++;
      const inner = or();
      if (!isOp(")")) fail("missing )");
      i++;
      return inner;
    }
    const left = operand();
    const t = peek();
    const op = t && COMPARE.includes(t.v) && t.k !== "str" ? t.v : undefined;
    if (op === undefined) {
      if ("lit" in left && typeof left.lit === "boolean") {
        const b = left.lit;
        return () => b;
      }
      return fail("only comparisons and true/false are understood");
    }
    i++;
    const right = operand();
    return (env) => {
      const a = value(left, env);
      const b = value(right, env);
      switch (op) {
        case "==":
          return a === b;
        case "!=":
          return a !== b;
        case "contains":
          return typeof a === "string" && typeof b === "string" && a.includes(b);
        case "startsWith":
          return typeof a === "string" && typeof b === "string" && a.startsWith(b);
        case "endsWith":
          return typeof a === "string" && typeof b === "string" && a.endsWith(b);
        default:
          return Array.isArray(b) && b.includes(a);
      }
    };
  };
  const not = (): Evaluator => {
    if (isOp("!") || isOp("not")) {
      i++;
      const inner = not();
      return (env) => !inner(env);
    }
    return primary();
  };
  const and = (): Evaluator => {
    let left = not();
    while (isOp("&&") || isOp("and")) {
      i++;
      const l = left;
      const r = not();
      left = (env) => l(env) && r(env);
    }
    return left;
  };
  const or = (): Evaluator => {
    let left = and();
    while (isOp("||") || isOp("or")) {
      i++;
      const l = left;
      const r = and();
      left = (env) => l(env) || r(env);
    }
    return left;
  };
  const fn = or();
  if (i !== toks.length) fail(`unexpected ${toks[i]?.v ?? ""}`);
  evalCache.set(expression, fn);
  return fn;
}

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? "";
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let v = "";
      i++;
      while (i < s.length && s[i] !== c) {
        if (s[i] === "\\") i++;
        v += s[i] ?? "";
        i++;
      }
      if (i >= s.length) throw new Error(`evaluate expression has an unterminated string: ${s}`);
      i++;
      out.push({ k: "str", v });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))?.[0] ?? c;
      out.push({ k: "id", v: m });
      i += m.length;
    } else {
      const two = s.slice(i, i + 2);
      if (["==", "!=", "&&", "||"].includes(two)) {
        out.push({ k: "op", v: two });
        i += 2;
      } else if ("!()[],".includes(c)) {
        out.push({ k: "op", v: c });
        i++;
      } else {
        throw new Error(`evaluate expression not supported by the sandbox CI (unexpected "${c}"): ${s}`);
      }
    }
  }
  return out;
}
