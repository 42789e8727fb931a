// `npm test` starts here: plain JavaScript, so that an older Node gets one sentence saying
// which Node the tests need (package.json engines.node) instead of ERR_UNKNOWN_FILE_EXTENSION
// for the TypeScript it cannot run. Then test/run.ts does the work.
import { readFileSync } from "node:fs";
import { minimumFromEngines, requireNode } from "../src/build/node-version.mjs";

var pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
requireNode("npm test", minimumFromEngines(pkg.engines && pkg.engines.node));
import("./run.ts");
