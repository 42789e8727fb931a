// `disinto validate [FILE|DIR]`: check project configs and formulas before an agent trips on
// them. Every problem in every file is listed, so one run is enough to fix them all.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, isAbsolute } from "node:path";
import { write, type Command } from "../command.ts";
import { ConfigError, EXIT_OK, EXIT_USAGE, UsageError, formatConfigIssue, type ConfigIssue } from "../../lib/errors.ts";
import { kindByContent, kindByLocation, parseFormula, parseProjectConfig, parseToml, type ConfigKind } from "../../config/load.ts";
import { parseRecipes } from "../../config/recipes.ts";

interface Target {
  path: string;
  /** Known from the location; otherwise decided from the content. */
  kind?: ConfigKind;
}

const KIND_WORDS: Record<ConfigKind, string> = { project: "project config", formula: "formula" };

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function tomlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".toml"))
    .map((e) => join(dir, e.name))
    .sort();
}

/** formulas/*.toml and an agent's own formulas one folder down (formulas/gardener/<task>.toml). */
async function formulaFiles(dir: string): Promise<string[]> {
  const subdirs = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(dir, e.name)).sort();
  return [...(await tomlFiles(dir)), ...(await Promise.all(subdirs.map(tomlFiles))).flat()];
}

/** The kind a file's folder implies; an agent's folder inside formulas/ holds formulas too. */
function kindOfLocation(path: string): ConfigKind | undefined {
  return kindByLocation(path) ?? (basename(dirname(dirname(resolve(path)))) === "formulas" ? "formula" : undefined);
}

async function isDir(path: string): Promise<boolean> {
  return (await statOrUndefined(path))?.isDirectory() ?? false;
}

async function targetsIn(dir: string): Promise<Target[]> {
  const projects = join(dir, "projects");
  const formulas = join(dir, "formulas");
  const hasProjects = await isDir(projects);
  const hasFormulas = await isDir(formulas);
  if (hasProjects || hasFormulas) {
    // An ops repo checkout (or this package, which ships formulas/).
    return [
      ...(hasProjects ? (await tomlFiles(projects)).map((path) => ({ path, kind: "project" as const })) : []),
      ...(hasFormulas ? (await formulaFiles(formulas)).map((path) => ({ path, kind: "formula" as const })) : []),
    ];
  }
  if (basename(dir) === "formulas") return (await formulaFiles(dir)).map((path) => ({ path, kind: "formula" as const }));
  const kind = basename(dir) === "projects" ? "project" : basename(dirname(resolve(dir))) === "formulas" ? "formula" : undefined;
  return (await tomlFiles(dir)).map((path) => (kind ? { path, kind } : { path }));
}

interface Checked {
  kind?: ConfigKind;
  /** What the file is, when it is neither kind (the supervisor's recipes). */
  word?: string;
  issues: readonly ConfigIssue[];
}

/** formulas/supervisor/recipes.toml holds recipes, not a formula (src/config/recipes.ts). */
const isRecipes = (path: string): boolean => basename(path) === "recipes.toml" && basename(dirname(resolve(path))) === "supervisor";

async function check(target: Target, shown: string): Promise<Checked> {
  let text: string;
  try {
    text = await readFile(target.path, "utf8");
  } catch (err) {
    return { issues: [{ file: shown, path: "", message: `cannot read: ${(err as Error).message}` }] };
  }
  let kind = target.kind;
  try {
    if (isRecipes(target.path)) {
      parseRecipes(text, shown);
      return { word: "supervisor recipes", issues: [] };
    }
    if (!kind) {
      kind = kindByContent(parseToml(text, shown));
      if (!kind) {
        return {
          issues: [
            {
              file: shown,
              path: "",
              message: "cannot tell whether this is a project config or a formula: put it in a projects/ or formulas/ folder, or give it [[steps]] (formula) or repo (project config)",
            },
          ],
        };
      }
    }
    if (kind === "project") parseProjectConfig(text, shown, { location: target.path });
    else parseFormula(text, shown, { location: target.path });
    return { kind, issues: [] };
  } catch (err) {
    if (err instanceof ConfigError) return isRecipes(target.path) ? { word: "supervisor recipes", issues: err.issues } : { ...(kind ? { kind } : {}), issues: err.issues };
    throw err;
  }
}

export const validateCommand: Command = {
  name: ["validate"],
  summary: "Check project configs and formulas",
  usage: "validate [FILE|DIR]",
  description: `
Checks disinto config files against their schemas and rules (unknown keys, types, backend
references, distinct dev and review logins, no secret values, formula step graphs) and prints
one line per file: "ok" or "fail". Every problem goes to stderr as FILE:LINE: KEY: MESSAGE.

What is checked:
  FILE  one file. In a projects/ folder it is a project config, in a formulas/ folder (or an
        agent's folder in it, formulas/gardener/) a formula; elsewhere the content decides: [[steps]] make a formula, repo, forge_url,
        identities or backends a project config.
  DIR   with projects/ or formulas/ inside (an ops repo checkout, or the disinto package):
        projects/*.toml as project configs and formulas/*.toml as formulas, with the agents'
        folders of formulas (formulas/gardener/*.toml). A folder named projects or formulas
        (or an agent's folder in formulas/): every *.toml in it, as that kind. Any other folder: every *.toml
        in it, each decided by its content.
  Without an argument: the current directory.

Exit codes: 0 every file is valid; 2 a problem in any file, nothing to check, or a path that
does not exist.`,
  options: {},
  args: { min: 0, max: 1 },
  async run({ args, io }) {
    const arg = args[0] ?? ".";
    const abs = resolve(io.cwd, arg);
    const st = await statOrUndefined(abs);
    if (!st) throw new UsageError(`validate: no such file or directory: ${arg}`);
    const kind = kindOfLocation(abs);
    const targets = st.isDirectory() ? await targetsIn(abs) : [{ path: abs, ...(kind ? { kind } : {}) }];
    if (targets.length === 0) throw new UsageError(`validate: nothing to check in ${arg}: no projects/*.toml, formulas/*.toml or *.toml files`);

    let failed = 0;
    let problems = 0;
    for (const t of targets) {
      const rel = relative(io.cwd, t.path);
      const shown = rel === "" || rel.startsWith("..") || isAbsolute(rel) ? t.path : rel;
      const result = await check(t, shown);
      const kind = result.word ? ` (${result.word})` : result.kind ? ` (${KIND_WORDS[result.kind]})` : "";
      if (result.issues.length === 0) {
        write(io.stdout, `ok   ${shown}${kind}`);
        continue;
      }
      failed++;
      problems += result.issues.length;
      write(io.stdout, `fail ${shown}${kind}`);
      for (const issue of result.issues) write(io.stderr, formatConfigIssue(issue));
    }
    if (failed === 0) return EXIT_OK;
    const p = problems === 1 ? "1 problem" : `${problems} problems`;
    write(io.stderr, `disinto validate: ${p} in ${failed} of ${targets.length} file${targets.length === 1 ? "" : "s"}`);
    return EXIT_USAGE;
  },
};
