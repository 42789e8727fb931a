// The sandbox's web pages: the html_url of repos, issues and pull requests and the CI's
// pipeline URLs (commit-status targets, CI_PIPELINE_URL, CI_STEP_URL) open as plain HTML with
// what a person looks for — README and branches, an issue's body, labels and comments, a pull
// request's description, statuses, review and diff, a pipeline's step logs. Stored text is
// escaped everywhere; private repositories ask for credentials; the API and git smart HTTP on
// the same paths are unchanged.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { api, jsonApi } from "../helpers/sandbox-forge.ts";
import { assertPage, buildPagesWorld, CALC, COMMENT, MULTIPLY_LINE, page, PR_BODY, PR_TITLE, REVIEW_BODY, XSS_BODY, XSS_TITLE, type PagesWorld } from "../fixtures/sandbox-pages.ts";

let w: PagesWorld;
before(async () => {
  w = await buildPagesWorld();
});
after(async () => {
  await w.stop();
});

const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;

describe("sandbox forge pages", () => {
  it("the repository page: README, branches, open pull requests and issues with links", async () => {
    const p = await page(`${w.sb.forge.url}/${CALC}`);
    assertPage(p, "demo/calc", "A tiny calculator library", "main (default)", "fix/issue-1", `#${w.pr.number} ${PR_TITLE}`, "#1 Add multiply(a, b)", `${w.sb.forge.url}/${CALC}.git`);
    assert.ok(p.html.includes(`href="/${CALC}/pulls/${w.pr.number}"`));
    assert.ok(p.html.includes(`href="/${CALC}/issues/1"`));
    assert.match(p.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  });

  it("an issue page shows title, body, labels and comments, with every stored string escaped", async () => {
    const p = await page(w.issue.url);
    assertPage(p, XSS_TITLE, XSS_BODY, "bug-report", COMMENT, "dev-bot", "open");
    // The bait is text, not markup: no script or img element, no raw angle brackets.
    assert.doesNotMatch(p.html, /<script|<img|<i>now/i);
    assert.ok(p.html.includes("&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; &amp; &quot;quotes&quot;"));
  });

  it("a pull request page shows description, head and base, commit statuses, the review and the diff", async () => {
    const p = await page(w.pr.url);
    assertPage(p, PR_TITLE, PR_BODY, "fix/issue-1", "main", "ci/woodpecker/pr/test", "success", "review-bot", "APPROVED", REVIEW_BODY, MULTIPLY_LINE, "+  return a * b;");
    assert.ok(p.html.includes(`href="${w.pipelineUrl}"`), "the CI status links its pipeline");
    assert.ok(p.text.includes("evil-link"));
    assert.doesNotMatch(p.html, /href="javascript:/i, "a status target that is not http(s) is no link");
  });

  it("/issues/N of a pull request and /pulls/N of an issue lead to the right page; lists and commits open", async () => {
    const asIssue = await fetch(`${w.sb.forge.url}/${CALC}/issues/${w.pr.number}`, { redirect: "manual" });
    assert.equal(asIssue.status, 302);
    assert.equal(asIssue.headers.get("location"), `/${CALC}/pulls/${w.pr.number}`);
    assertPage(await page(`${w.sb.forge.url}/${CALC}/pulls/1`), "Add multiply(a, b)", "backlog");
    assertPage(await page(`${w.sb.forge.url}/${CALC}/pulls`), PR_TITLE);
    assertPage(await page(`${w.sb.forge.url}/${CALC}/issues`), XSS_TITLE, "Add multiply(a, b)");
    assertPage(await page(`${w.sb.forge.url}/${CALC}/commit/${w.pr.head}`), "fix: Add multiply(a, b)", w.pr.head, MULTIPLY_LINE);
    assertPage(await page(`${w.sb.forge.url}/`), "demo/calc", "demo/calc-ops");
    assertPage(await page(`${w.sb.forge.url}/demo`), "demo/calc");
    const missing = await page(`${w.sb.forge.url}/${CALC}/issues/999`);
    assert.equal(missing.status, 404);
    assert.match(missing.type, /^text\/html/);
  });

  it("a private repository asks anonymous visitors to sign in, hides itself from outsiders, opens for members", async () => {
    const created = await api(w.sb.forge, "admin")("POST", "/user/repos", { name: "secret-plans", private: true, auto_init: true });
    assert.equal(created.status, 201, created.text);
    const url = `${w.sb.forge.url}/admin/secret-plans`;
    const anon = await page(url);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get("www-authenticate") ?? "", /^Basic realm=/);
    assert.ok(!anon.text.includes("secret-plans"), "the challenge does not name the repository");
    const unknown = await page(`${w.sb.forge.url}/admin/no-such-repo`);
    assert.equal(unknown.status, 401, "a missing repository looks the same to anonymous visitors");
    const outsider = w.sb.forge.users["dev-bot"]!;
    assert.equal((await page(url, { Authorization: basic(outsider.login, outsider.password) })).status, 404);
    const admin = w.sb.forge.users.admin!;
    assertPage(await page(url, { Authorization: basic("admin", admin.password) }), "secret-plans", "(private)");
    assertPage(await page(url, { Authorization: basic("admin", admin.token) }), "secret-plans");
    assert.equal((await page(url, { Authorization: basic("admin", "wrong") })).status, 401);
  });

  it("the API and git smart HTTP keep their answers on the same paths", async () => {
    const apiAnswer = await fetch(`${w.sb.forge.url}/api/v1/repos/${CALC}/issues/1`, { headers: { Accept: "text/html", Authorization: `token ${w.sb.forge.users.admin!.token}` } });
    assert.equal(apiAnswer.status, 200);
    assert.match(apiAnswer.headers.get("content-type") ?? "", /^application\/json/);
    const admin = w.sb.forge.users.admin!;
    for (const path of [`/${CALC}.git/info/refs`, `/${CALC}/info/refs`]) {
      const git = await fetch(`${w.sb.forge.url}${path}?service=git-upload-pack`, { headers: { Authorization: basic("admin", admin.token) } });
      assert.equal(git.status, 200, path);
      assert.equal(git.headers.get("content-type"), "application/x-git-upload-pack-advertisement");
      await git.arrayBuffer();
    }
    // No page lives here: JSON for API clients, a page for browsers.
    const json = await fetch(`${w.sb.forge.url}/api/swagger-nope`);
    assert.equal(json.status, 404);
    assert.match(json.headers.get("content-type") ?? "", /^application\/json/);
    await json.arrayBuffer();
    const post = await fetch(`${w.sb.forge.url}/${CALC}`, { method: "POST" });
    assert.equal(post.status, 404);
    await post.arrayBuffer();
  });
});

describe("sandbox CI pages", () => {
  it("the pipeline a commit status points at shows its workflow, steps and each step's log", async () => {
    const p = await page(w.pipelineUrl);
    assertPage(p, "Pipeline #", "success", "pull request", PR_TITLE, "test", "node --test", "✔ multiply");
    assert.ok(p.html.includes(`href="${w.sb.forge.url}/${CALC}/commit/${w.pr.head}"`), "the commit links the forge");
    assert.ok(p.html.includes(`href="${w.pr.url}"`), "a pull request pipeline links its pull request");
  });

  it("a step URL (CI_STEP_URL) opens that step's log; unknown steps and pipelines are 404 pages", async () => {
    const stepPid = /href="(\/repos\/\d+\/pipeline\/\d+\/(\d+))">#</.exec((await page(w.pipelineUrl)).html);
    assert.ok(stepPid, "the pipeline page links its steps");
    const p = await page(`${w.sb.ci.url}${stepPid[1]}`);
    assertPage(p, "node --test", "✔ multiply");
    assert.equal((await page(`${w.pipelineUrl}/999`)).status, 404);
    assert.equal((await page(w.pipelineUrl.replace(/\/pipeline\/\d+$/, "/pipeline/999"))).status, 404);
  });

  it("the repository list and a repository's pipelines link each pipeline", async () => {
    const repoUrl = w.pipelineUrl.replace(/\/pipeline\/\d+$/, "");
    const list = await page(repoUrl);
    assertPage(list, "demo/calc", "push to fix/issue-1", "pull request");
    assert.ok(list.html.includes(`href="${new URL(w.pipelineUrl).pathname}"`));
    assertPage(await page(`${w.sb.ci.url}/`), "demo/calc");
  });

  it("a private repository's pipelines ask anonymous visitors to sign in and open with a CI token", async () => {
    const forgeAdmin = api(w.sb.forge, "admin");
    const repo = await forgeAdmin("POST", "/user/repos", { name: "private-ci", private: true, auto_init: true });
    assert.equal(repo.status, 201, repo.text);
    const ci = jsonApi(`${w.sb.ci.url}/api`, `Bearer ${w.sb.ci.token("admin")}`);
    const activated = await ci("POST", `/repos?forge_remote_id=${String((repo.body as { id: number }).id)}`);
    assert.equal(activated.status, 200, activated.text);
    const url = `${w.sb.ci.url}/repos/${String((activated.body as { id: number }).id)}`;
    const anon = await page(url);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get("www-authenticate") ?? "", /^Basic realm=/);
    assertPage(await page(url, { Authorization: basic("admin", w.sb.ci.token("admin")) }), "admin/private-ci");
    assert.equal((await page(url, { Authorization: basic("dev-bot", w.sb.ci.token("dev-bot")) })).status, 404);
    const root = await page(`${w.sb.ci.url}/`);
    assert.ok(!root.text.includes("private-ci"), "anonymous visitors do not see it listed");
  });
});
