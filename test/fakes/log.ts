// A ProgressSink that keeps its lines for assertions ("info …", "warn …", "debug …").
/** Progress lines collected for assertions. */
export function collectingLog(): { info(m: string): void; warn(m: string): void; debug(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
  };
}
