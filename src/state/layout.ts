// The ops repo's folders and seed files, as the original factory lays them out. `ensureLayout`
// creates what is missing — in one commit where the forge supports multi-file commits — and
// leaves everything that exists alone, so it is safe to run on every `disinto init`.
import type { FileChange, StateStore } from "./store.ts";

const KEEP = ".gitkeep";

/** Folders that must exist (git keeps a folder only with a file in it). */
export const LAYOUT_DIRS = [
  "vault/actions",
  "vault/pending",
  "vault/approved",
  "vault/fired",
  "vault/rejected",
  "knowledge",
  "journal",
  "evidence/engagement",
  "evidence/red-team",
  "evidence/holdout",
  "evidence/evolution",
  "evidence/user-test",
  "sprints",
  "incidents",
  "locks",
  "state",
  "sessions",
  "projects",
  "ledger",
] as const;

export function layoutFiles(project: string): Record<string, string> {
  return {
    "README.md": `# ${project} — ops repo

The control plane of the disinto factory for \`${project}\`. Agents write here through the
forge's contents API; every change is a commit, so this repo's history is the audit log.

| folder | what lives there |
| --- | --- |
| \`projects/\` | project config (\`<name>.toml\`; \`disinto validate\` checks it) |
| \`locks/\` | leases: who is working on what, until when, and the fence number |
| \`state/\` | machine state: the dev agent's phase per identity, watermarks |
| \`sessions/\` | compressed LLM transcripts, to resume a conversation in the next CI run |
| \`journal/\` | what each agent did, one file per agent per day |
| \`ledger/\` | tokens and cost per LLM run, one file per day |
| \`vault/\` | actions that need a human's approval: actions → pending → approved/rejected → fired |
| \`knowledge/\`, \`sprints/\`, \`incidents/\`, \`evidence/\` | the planner's, architect's and supervisor's notes |

State commits carry \`[skip ci]\`; only a push under \`vault/actions/\` starts the vault pipeline.
`,
    "prerequisites.md": "# Prerequisite Tree\n\n(Maintained by the planner.)\n",
    "RESOURCES.md": "# Resources\n\nWhat the factory may use: accounts, environments, budgets, contacts.\n",
    "portfolio.md": "# Portfolio\n\nThe projects this factory runs and where each stands.\n",
  };
}

export interface LayoutResult {
  created: string[];
  commits: number;
}

export async function ensureLayout(store: StateStore, project: string): Promise<LayoutResult> {
  const wanted: Record<string, string> = { ...layoutFiles(project) };
  for (const dir of LAYOUT_DIRS) wanted[`${dir}/${KEEP}`] = "";
  const missing: FileChange[] = [];
  // Listing each parent once is cheaper than one read per file.
  const present = new Set<string>();
  const parents = new Set(Object.keys(wanted).map((p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "")));
  for (const dir of parents) {
    for (const e of await store.list(dir)) present.add(e.path);
  }
  for (const [path, text] of Object.entries(wanted).sort(([a], [b]) => a.localeCompare(b))) {
    if (!present.has(path)) missing.push({ operation: "create", path, text });
  }
  if (missing.length === 0) return { created: [], commits: 0 };
  const { commits } = await store.commit(missing, `lay out the ops repo (${missing.length} file${missing.length === 1 ? "" : "s"})`);
  return { created: missing.map((f) => f.path), commits };
}
