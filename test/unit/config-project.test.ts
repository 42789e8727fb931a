import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseProjectConfig } from "../../src/config/load.ts";
import { ConfigError, EXIT_USAGE } from "../../src/lib/errors.ts";
import { PROJECT_TOML } from "../fixtures/project-toml.ts";

// 16 lines; sections appended by a test start on line 17.
const BASE = PROJECT_TOML;

/** BASE with one line replaced (1-based), keeping every other line where it was. */
function withLine(n: number, text: string): string {
  const lines = BASE.split("\n");
  lines[n - 1] = text;
  return lines.join("\n");
}

/** The formatted problems of an invalid config, one per line. */
function problems(toml: string, file = "p.toml"): string[] {
  try {
    parseProjectConfig(toml, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, EXIT_USAGE);
    return err.message.split("\n");
  }
  assert.fail("the config was accepted");
}

const SECRET_ADVICE_DEV =
  'secrets never go in config files (they are committed to the ops repo): store it as a CI secret or environment variable and name it instead, with token_secret = "FORGE_DEV_TOKEN" in [identities.dev]';

describe("project config: a valid file", () => {
  it("gets every default, so the rest of the code sees a complete object", () => {
    const c = parseProjectConfig(BASE, "p.toml");
    assert.deepEqual(c, {
      name: "widgets",
      forge_url: "https://forge.example.org",
      repo: "acme/widgets",
      ops_repo: "acme/widgets-ops",
      primary_branch: "main",
      protected_paths: [".woodpecker/**"],
      ci: { required_contexts: [], stale_minutes: 60 },
      identities: {
        dev: { login: "dev-bot", token_secret: "FORGE_DEV_TOKEN", backend: "claude" },
        review: { login: "review-bot", token_secret: "FORGE_REVIEW_TOKEN", backend: "claude" },
      },
      backends: { claude: { type: "claude-cli", max_turns: 60, timeout_minutes: 50, slots: 1 } },
      limits: { ci_fix_attempts: 3, review_rounds: 5 },
      schedules: {
        dev: "*/5 * * * *",
        review: "*/5 * * * *",
        supervisor: "*/20 * * * *",
        architect: "*/15 * * * *",
        gardener: "*/30 * * * *",
        planner: "0 3 * * 1",
        predictor: "0 4 * * *",
        tick: "*/5 * * * *",
        layout: "tick",
      },
      labels: c.labels,
      review: { diff_max_bytes: 25000, max_per_tick: 3, followups_max: 5 },
      vault: { secrets: [] },
    });
    assert.equal(c.labels.backlog, "backlog");
    assert.equal(c.labels["in-progress"], "in-progress");
    assert.equal(c.labels["prediction/unreviewed"], "prediction/unreviewed");
    assert.equal(Object.keys(c.labels).length, 24);
  });

  it("keeps explicit values, strips a trailing slash from URLs and applies label overrides", () => {
    const toml = `${withLine(3, 'repo = "acme/widgets"\nops_repo = "ops/widgets-control"\ntest_command = "FORGE_TOKEN=$FORGE_TOKEN npm test"').replace("https://forge.example.org", "https://forge.example.org/git/")}
[ci]
woodpecker_url = "https://ci.example.org"
woodpecker_repo_id = 7
required_contexts = ["ci/woodpecker/pr/test"]

[backends.local]
type = "openai"
base_url = "http://llama:8080/v1"
model = "qwen"
api_key_env = "LLAMA_KEY"
price_input_per_mtok = 0.5

[identities.vault]
login = "vault-bot"
token_secret = "FORGE_VAULT_TOKEN"

[limits]
budget_usd_per_day = 20

[schedules]
planner = "off"
gardener = "@daily"

[labels]
backlog = "ready"
"prediction/unreviewed" = "prediction: new"
`;
    const c = parseProjectConfig(toml, "p.toml");
    assert.equal(c.forge_url, "https://forge.example.org/git");
    assert.equal(c.ops_repo, "ops/widgets-control");
    // `$NAME` refers to a secret; it is not one.
    assert.equal(c.test_command, "FORGE_TOKEN=$FORGE_TOKEN npm test");
    assert.deepEqual(c.ci, { woodpecker_url: "https://ci.example.org", woodpecker_repo_id: 7, required_contexts: ["ci/woodpecker/pr/test"], stale_minutes: 60 });
    assert.deepEqual(c.backends.local, {
      type: "openai",
      base_url: "http://llama:8080/v1",
      model: "qwen",
      api_key_env: "LLAMA_KEY",
      price_input_per_mtok: 0.5,
      max_turns: 60,
      timeout_minutes: 50,
      slots: 1,
    });
    assert.deepEqual(c.identities.vault, { login: "vault-bot", token_secret: "FORGE_VAULT_TOKEN" });
    assert.equal(c.limits.budget_usd_per_day, 20);
    assert.equal(c.schedules.planner, "off");
    assert.equal(c.schedules.gardener, "@daily");
    assert.equal(c.schedules.dev, "*/5 * * * *");
    assert.equal(c.labels.backlog, "ready");
    assert.equal(c.labels["prediction/unreviewed"], "prediction: new");
    assert.equal(c.labels.blocked, "blocked");
  });
});

describe("project config: each problem, in words", () => {
  it("a missing required key", () => {
    assert.deepEqual(problems(withLine(3, "")), ["p.toml: repo: missing required key (expected a string)"]);
  });

  it("a missing key inside a table points at the table", () => {
    assert.deepEqual(problems(withLine(7, "")), ["p.toml:5: identities.dev.token_secret: missing required key (expected a string)"]);
  });

  it("a wrong type", () => {
    assert.deepEqual(problems(`${BASE}\n[limits]\nci_fix_attempts = "three"\n`), ['p.toml:19: limits.ci_fix_attempts: expected a whole number, got "three"']);
  });

  it("a table where a value belongs, and a value where a table belongs", () => {
    assert.deepEqual(problems(`protected_paths = ".woodpecker/**"\n${BASE}`), ['p.toml:1: protected_paths: expected a list, got ".woodpecker/**"']);
    assert.deepEqual(problems(`ci = 5\n${BASE}`), ["p.toml:1: ci: expected a table, got 5"]);
  });

  it("an unknown key close to a known one suggests it", () => {
    assert.deepEqual(problems(`${BASE}\n[ci]\nstale_minute = 30\n`), ['p.toml:19: ci.stale_minute: unknown key; did you mean "stale_minutes"?']);
  });

  it("an unknown key far from any lists the allowed keys", () => {
    assert.deepEqual(problems(`${BASE}\n[limits]\ncolour = "red"\n`), [
      "p.toml:19: limits.colour: unknown key; expected one of: ci_fix_attempts, review_rounds, budget_usd_per_run, budget_usd_per_issue, budget_usd_per_day",
    ]);
  });

  it("an unknown label key is quoted like TOML quotes it", () => {
    assert.deepEqual(problems(`${BASE}\n[labels]\n"prediction/unreviewd" = "new"\n`), ['p.toml:19: labels."prediction/unreviewd": unknown key; did you mean "prediction/unreviewed"?']);
  });

  it("a repo that is not owner/name", () => {
    assert.deepEqual(problems(withLine(3, 'repo = "widgets"')), ['p.toml:3: repo: expected owner/name, like "acme/widgets", got "widgets"']);
  });

  it("a URL without http(s)", () => {
    assert.deepEqual(problems(withLine(2, 'forge_url = "forge.example.org"')), ['p.toml:2: forge_url: expected the forge\'s base URL (http:// or https://), got "forge.example.org"']);
    assert.deepEqual(problems(withLine(2, 'forge_url = "ftp://forge.example.org"')), ['p.toml:2: forge_url: expected the forge\'s base URL (http:// or https://), got "ftp://forge.example.org"']);
  });

  it("a negative limit", () => {
    assert.deepEqual(problems(`${BASE}\n[limits]\nci_fix_attempts = -1\nbudget_usd_per_run = 0\n`), [
      "p.toml:19: limits.ci_fix_attempts: must be at least 0, got -1",
      "p.toml:20: limits.budget_usd_per_run: must be greater than 0, got 0",
    ]);
  });

  it("an identity naming a backend that does not exist", () => {
    assert.deepEqual(problems(withLine(8, 'backend = "claud"')), ['p.toml:8: identities.dev.backend: no backend named "claud" in [backends] (defined: "claude")']);
  });

  it("an identity with no backend, except the vault dispatcher", () => {
    assert.deepEqual(problems(withLine(13, "")), ["p.toml:10: identities.review.backend: missing required key (expected a string)"]);
  });

  it("a backend of an unknown type, or without a type", () => {
    assert.deepEqual(problems(withLine(16, 'type = "gpt"')), ['p.toml:16: backends.claude.type: expected one of "claude-cli", "openai" or "scripted", got "gpt"']);
    assert.deepEqual(problems(withLine(16, 'model = "sonnet"')), ['p.toml:15: backends.claude.type: missing required key (expected one of "claude-cli", "openai" or "scripted")']);
  });

  it("an unknown key inside a backend is checked against that backend type's keys", () => {
    assert.deepEqual(problems(`${BASE}base_url = "http://x/v1"\n`), ["p.toml:17: backends.claude.base_url: unknown key; expected one of: type, model, max_turns, timeout_minutes, slots"]);
  });

  it("the review login equal to the dev login (case-insensitively)", () => {
    assert.deepEqual(problems(withLine(11, 'login = "Dev-Bot"')), [
      'p.toml:11: identities.review.login: must differ from identities.dev.login ("dev-bot"): Forgejo refuses an approval from the PR\'s author, and the dev identity authors the PRs',
    ]);
  });

  it("a token value in the config", () => {
    const out = problems(withLine(7, 'token_secret = "FORGE_DEV_TOKEN"\ntoken = "s3cr3t-v4lue"'));
    assert.deepEqual(out, [`p.toml:8: identities.dev.token: holds a secret; ${SECRET_ADVICE_DEV}`]);
    assert.doesNotMatch(out.join("\n"), /s3cr3t/);
  });

  it("a password or api_key anywhere, even under an unknown key", () => {
    assert.deepEqual(problems(`${BASE}api_key = "abcd1234"\n`), [
      'p.toml:17: backends.claude.api_key: holds a secret; secrets never go in config files (they are committed to the ops repo): store it as a CI secret or environment variable and name it instead, with api_key_env = "LLM_API_KEY" in [backends.claude]',
    ]);
    assert.deepEqual(problems(`password = "hunter22"\n${BASE}`), [
      "p.toml:1: password: holds a secret; secrets never go in config files (they are committed to the ops repo): store it as a CI secret or environment variable and name it instead, with token_secret (identities) or api_key_env (backends)",
    ]);
  });

  it("a credential-looking string where a secret's name belongs", () => {
    const out = problems(withLine(7, 'token_secret = "ghp_0123456789abcdefghijABCDEFGHIJ"'));
    assert.deepEqual(out, [`p.toml:7: identities.dev.token_secret: looks like a credential ("********"); ${SECRET_ADVICE_DEV}`]);
    // A bare 40-hex Forgejo token has no telling prefix; it is caught all the same.
    assert.deepEqual(problems(withLine(7, 'token_secret = "0123456789abcdef0123456789abcdef01234567"')), [
      `p.toml:7: identities.dev.token_secret: looks like a credential ("********"); ${SECRET_ADVICE_DEV}`,
    ]);
  });

  it("a password inside a URL, masked in the message", () => {
    const out = problems(withLine(2, 'forge_url = "https://dev-bot:hunter22@forge.example.org"'));
    assert.deepEqual(out, [
      "p.toml:2: forge_url: looks like a credential (\"https://dev-bot:********@forge.example.org\"); remove the credentials from the URL: config files are committed to the ops repo, and agents authenticate with their identities' token_secret",
    ]);
  });

  it("a credential inside a command", () => {
    assert.deepEqual(problems(`test_command = "curl -H 'Authorization: token abcd1234efgh' http://x"\n${BASE}`), [
      "p.toml:1: test_command: looks like a credential (\"curl -H 'Authorization: token ********' http://x\"); secrets never go in config files (they are committed to the ops repo): store it as a CI secret or environment variable and name it instead, with token_secret (identities) or api_key_env (backends)",
    ]);
  });

  it("a TOML syntax error, with line and column", () => {
    assert.deepEqual(problems(withLine(3, "repo = ")), ["p.toml:3: TOML syntax error: invalid value (column 8)"]);
  });

  it("a bad cron schedule", () => {
    assert.deepEqual(problems(`${BASE}\n[schedules]\ndev = "every minute"\n`), [
      'p.toml:19: schedules.dev: expected a cron schedule like "*/5 * * * *" (five fields: minute hour day-of-month month day-of-week, or @hourly, @daily, @every 30m, …) or "off", got "every minute": expected exactly 5 fields, found 2: "every minute"',
    ]);
  });

  it("a Woodpecker repo id without the server URL", () => {
    assert.deepEqual(problems(`${BASE}\n[ci]\nwoodpecker_repo_id = 3\n`), [
      "p.toml:18: ci.woodpecker_url: missing required key (expected the Woodpecker server URL): needed because ci.woodpecker_repo_id is set",
    ]);
  });

  it("the ops repo equal to the code repo", () => {
    assert.deepEqual(problems(`ops_repo = "acme/widgets"\n${BASE}`), ['p.toml:1: ops_repo: must differ from repo (both are "acme/widgets"): the ops repo holds the factory\'s state, apart from the code']);
  });

  it("two label roles mapped to one label", () => {
    assert.deepEqual(problems(`${BASE}\n[labels]\nblocked = "backlog"\n`), ['p.toml:19: labels.blocked: label "backlog" is also used for labels.backlog; each role needs its own label']);
  });

  it("a project config whose name differs from its file name in projects/", () => {
    assert.deepEqual(problems(BASE, "ops/projects/gadgets.toml"), [
      'ops/projects/gadgets.toml:1: name: must match the file name (expected "gadgets", got "widgets"): agents look for projects/<name>.toml',
    ]);
  });

  it("reports every problem at once, in line order", () => {
    const toml = withLine(3, 'repo = "widgets"').replace('login = "review-bot"', 'login = "dev-bot"').replace('backend = "claude"\n\n[identities.review]', 'backend = "nope"\n\n[identities.review]');
    assert.deepEqual(problems(`${toml}max_turns = 0\n`), [
      'p.toml:3: repo: expected owner/name, like "acme/widgets", got "widgets"',
      'p.toml:8: identities.dev.backend: no backend named "nope" in [backends] (defined: "claude")',
      'p.toml:11: identities.review.login: must differ from identities.dev.login ("dev-bot"): Forgejo refuses an approval from the PR\'s author, and the dev identity authors the PRs',
      "p.toml:17: backends.claude.max_turns: must be at least 1, got 0",
    ]);
  });
});

describe("project config: every number and string has an upper bound", () => {
  const big = "x".repeat(8 * 1024 * 1024);
  // [a line or section added to BASE, the expected problem]
  const cases: [string, string][] = [
    ['[backends.claude]\ntype = "claude-cli"\ntimeout_minutes = 1e12', "backends.claude.timeout_minutes: must be at most 1440, got 1000000000000"],
    ['[backends.claude]\ntype = "claude-cli"\nslots = 1000', "backends.claude.slots: must be at most 64, got 1000"],
    ['[backends.claude]\ntype = "claude-cli"\nmax_turns = 100000', "backends.claude.max_turns: must be at most 1000, got 100000"],
    ["[ci]\nstale_minutes = 1000000", "ci.stale_minutes: must be at most 10080, got 1000000"],
    ["[limits]\nci_fix_attempts = 1000", "limits.ci_fix_attempts: must be at most 100, got 1000"],
    ["[limits]\nreview_rounds = 1000", "limits.review_rounds: must be at most 100, got 1000"],
    ["[limits]\nbudget_usd_per_day = 1e9", "limits.budget_usd_per_day: must be at most 1000000, got 1000000000"],
    ["[review]\nmax_per_tick = 1000", "review.max_per_tick: must be at most 50, got 1000"],
    ["[review]\ndiff_max_bytes = 1e9", "review.diff_max_bytes: must be at most 1000000, got 1000000000"],
    ["[review]\nfollowups_max = 51", "review.followups_max: must be at most 50, got 51"],
    [`test_command = "${big}"`, `test_command: must be at most 4096 characters long, got ${big.length}`],
    [`[labels]\nbacklog = "${"needs work ".repeat(30)}"`, "labels.backlog: must be at most 255 characters long, got 330"],
    [`protected_paths = [${Array.from({ length: 101 }, (_, i) => `"p${i}/**"`).join(", ")}]`, "protected_paths: must have at most 100 entries"],
  ];
  for (const [section, expected] of cases) {
    it(expected.replace(/, got .*/, "").slice(0, 90), () => {
      // A top-level key replaces BASE's blank line 4 (before the first table); [backends.claude] replaces BASE's own.
      const toml = section.startsWith("[") ? `${BASE}\n${section}\n` : withLine(4, section);
      const found = problems(section.startsWith("[backends.claude]") ? `${BASE.replace('[backends.claude]\ntype = "claude-cli"\n', "")}\n${section}\n` : toml);
      // The key, the value and the bound; the line number is tested elsewhere.
      assert.deepEqual(found.map((l) => l.replace(/^p\.toml:\d+: /, "")), [expected]);
    });
  }
  it("the bounds themselves are accepted", () => {
    const ok = `${BASE.replace('[backends.claude]\ntype = "claude-cli"\n', "")}\n[backends.claude]\ntype = "claude-cli"\ntimeout_minutes = 1440\nslots = 64\nmax_turns = 1000\n[review]\nmax_per_tick = 50\n`;
    const c = parseProjectConfig(ok, "p.toml");
    assert.equal(c.backends["claude"]?.type === "claude-cli" && c.backends["claude"].timeout_minutes, 1440);
  });
});

describe("project config: schedules are checked with Woodpecker's cron grammar, not by shape", () => {
  const refused: [string, RegExp][] = [
    ["61 * * * *", /minute.*above maximum \(59\)/],
    ["0 0 32 * *", /day of month.*above maximum \(31\)/],
    ["5-1 * * * *", /beginning of range \(5\) beyond end of range \(1\)/],
    ["0 24 * * *", /hour.*above maximum \(23\)/],
    ["0 30 * * * *", /expected exactly 5 fields, found 6/],
    ["0 0 L * *", /failed to parse int from "L"/],
    ["0 0 * * 1#2", /./],
    ["*/0 * * * *", /step of range should be a positive number/],
    ["@every soon", /invalid duration/],
    ["@fortnightly", /unrecognized descriptor/],
  ];
  for (const [schedule, why] of refused) {
    it(`refuses ${JSON.stringify(schedule)}, naming the key, the value and why`, () => {
      const found = problems(`${BASE}\n[schedules]\nreview = ${JSON.stringify(schedule)}\n`);
      assert.equal(found.length, 1, found.join("\n"));
      assert.ok(found[0]!.startsWith(`p.toml:19: schedules.review: expected a cron schedule like "*/5 * * * *"`), found[0]);
      assert.ok(found[0]!.includes(`got ${JSON.stringify(schedule)}: `), found[0]);
      assert.match(found[0]!, why);
    });
  }
  it("accepts what Woodpecker accepts: lists, ranges, steps, names, ? and descriptors", () => {
    const ok = ["*/15 * * * *", "0 9,17 * * MON-FRI", "30 8-10/2 1,15 jan-jun ?", "@daily", "@hourly", "@every 1h30m", "off"];
    for (const schedule of ok) {
      const c = parseProjectConfig(`${BASE}\n[schedules]\nreview = ${JSON.stringify(schedule)}\n`, "p.toml");
      assert.equal(c.schedules.review, schedule);
    }
  });
});
