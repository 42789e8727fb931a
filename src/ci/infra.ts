// Is a failed CI step the code's fault or the infrastructure's? A red pipeline caused by a
// flaky network, a registry rate limit or an OOM-killed container is retriggered once instead
// of spending an LLM fix attempt on code that is fine. Rules as in the original
// `is_infra_step` (clone/git exit 128, exit 137, connection and TLS timeouts in the log),
// widened to the DNS, registry and git transfer failures that show up the same way. Only
// transient causes count: a missing image or a denied pull is a configuration error that a
// retry would repeat.

export interface StepFacts {
  name: string;
  exitCode: number;
  /** Woodpecker's step type (`clone`, `commands`, `plugin`, …), if known. */
  type?: string;
  /** The step's `error` field (set when the runner itself failed the step). */
  error?: string;
}

export interface InfraVerdict {
  infra: boolean;
  /** Why it counts as infrastructure, for the log and the retrigger commit. */
  reason?: string;
}

interface LogRule {
  re: RegExp;
  reason: string;
}

// First match wins; the order puts the most specific explanations first.
const LOG_RULES: readonly LogRule[] = [
  { re: /toomanyrequests|pull rate limit|rate limit exceeded.*(?:registry|docker)/i, reason: "container registry rate limit" },
  { re: /docker pull.*time(?:d)?[ -]?out|error pulling image configuration|error pulling image.*(?:timeout|EOF|reset)|Error response from daemon: (?:Get|Head) "?https?:\/\/\S+\/v2\//i, reason: "container image pull failed" },
  { re: /TLS handshake timeout/i, reason: "TLS handshake timeout" },
  { re: /could not resolve host|temporary failure in name resolution|getaddrinfo EAI_AGAIN|dial tcp: lookup \S+.*(?:no such host|server misbehaving|i\/o timeout)/i, reason: "DNS resolution failed" },
  { re: /connection timed out|operation timed out|\bi\/o timeout\b|\bETIMEDOUT\b|net\/http: request canceled while waiting for connection|Client\.Timeout exceeded/i, reason: "network connection timed out" },
  { re: /Failed to connect/i, reason: "network connection failed" },
  { re: /the remote end hung up unexpectedly|\bearly EOF\b|RPC failed; (?:curl|HTTP)|gnutls_handshake\(\) failed|SSL_ERROR_SYSCALL/i, reason: "git transfer interrupted" },
  { re: /npm (?:ERR!|error) (?:code )?(?:ECONNRESET|EAI_AGAIN|ETIMEDOUT|network)/i, reason: "package registry network error" },
  { re: /no space left on device/i, reason: "runner disk full" },
];

function isCloneStep(step: StepFacts): boolean {
  return step.type === "clone" || /^(?:clone|git)(?:$|[\s_:-])/i.test(step.name);
}

/** Pure: the same step and log give the same verdict. */
export function classifyInfra(step: StepFacts, logTail: readonly string[]): InfraVerdict {
  if (step.exitCode === 137) return { infra: true, reason: "exit 137: killed (out of memory or SIGKILL)" };
  if (step.exitCode === 128 && isCloneStep(step)) return { infra: true, reason: `${step.name} step failed with exit 128 (git could not fetch)` };
  const text = step.error !== undefined && step.error !== "" ? [...logTail, step.error] : logTail;
  for (const rule of LOG_RULES) {
    const line = text.find((l) => rule.re.test(l));
    if (line !== undefined) return { infra: true, reason: `${rule.reason}: ${clip(line.trim())}` };
  }
  return { infra: false };
}

/** What a shell exit code usually means, for a CI-fix prompt ("" when nothing special). */
export function describeExitCode(code: number): string {
  switch (code) {
    case 126:
      return "command found but not executable";
    case 127:
      return "command not found";
    case 128:
      return "fatal error (git) or invalid exit argument";
    case 130:
      return "interrupted (SIGINT)";
    case 137:
      return "killed (SIGKILL, often out of memory)";
    case 143:
      return "terminated (SIGTERM)";
    default:
      return "";
  }
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
