// Text from outside (issue bodies, titles, diffs, logs) enters prompts and comments inside a
// code fence. The fence is longer than any backtick run in the text, so the text cannot close
// it and speak as instructions or markup.

/** `text` in a fence longer than any backtick run inside it, with an optional info string. */
export function fenced(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}${text.endsWith("\n") ? "" : "\n"}${fence}`;
}
