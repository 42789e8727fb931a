// Where the tests find the real contracts (../shared/contracts beside the checkout; never
// copied into the project), and the skip reason of a test that needs one that is absent.
// DISINTO_TEST_CONTRACTS_DIR points elsewhere: test/unit/contract-skips.test.ts hides them
// that way to prove that every such test is still counted, as skipped.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CONTRACTS_DIR = process.env.DISINTO_TEST_CONTRACTS_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "contracts");

export interface Contract {
  path: string;
  /** For node:test's `{ skip }` on every test that reads the file: false when it is there. */
  skip: false | string;
}

/** A contract file by name, e.g. "woodpecker.md". */
export function contract(file: string): Contract {
  const path = join(CONTRACTS_DIR, file);
  return { path, skip: existsSync(path) ? false : `../shared/contracts not found: ${path} is missing` };
}
