// The architect's part of `disinto status`: its open pitch PRs on the ops repo, each with the
// state the architect's own survey reads from it (waiting for the person, a question to answer,
// approved and about to be filed, filed and tracked, rejected) and its age. No tokens: the same
// reads an architect run makes.
import type { ProjectConfig } from "../config/project.ts";
import type { RepoForge } from "../forge/types.ts";
import { disintoLogins, surveyPitches, type PitchState } from "../agents/architect/survey.ts";
import type { ArchitectStatus } from "./schema.ts";

function describe(s: PitchState): Pick<ArchitectStatus["pitches"][number], "state" | "detail"> {
  switch (s.kind) {
    case "reject":
      return { state: "rejected", detail: `closes on the next run: ${s.reason.slice(0, 80)}` };
    case "file":
      return { state: "approved", detail: "the gardener files the sub-issues on its next run" };
    case "answer":
      return { state: "question", detail: `${s.comments.length} new comment${s.comments.length === 1 ? "" : "s"} to answer` };
    case "track": {
      const closed = [...s.children.values()].filter((c) => c === "closed").length;
      return { state: "filed", detail: `${closed} of ${s.children.size} sub-issues closed${s.visionClosed ? "; the vision is closed, the sprint PR merges on the next run" : s.done ? "; the gardener closes the vision issue on its next run" : ""}` };
    }
    default:
      return { state: "waiting", detail: "for the person's answer: a question, REJECT: <reason>, or an approval" };
  }
}

export async function architectStatus(ops: RepoForge, repo: RepoForge, config: ProjectConfig, now: Date): Promise<ArchitectStatus> {
  const login = config.identities.architect?.login ?? "";
  const s = await surveyPitches(ops, repo, login, disintoLogins(config, login));
  return {
    pitches: s.pitches.map((p) => ({
      pr: p.pr.number,
      vision: p.vision ?? null,
      title: p.pr.title,
      ...describe(p.state),
      age_minutes: Math.max(0, Math.round((now.getTime() - p.pr.createdAt.getTime()) / 60_000)),
      url: p.pr.htmlUrl,
    })),
  };
}
