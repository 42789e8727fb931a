// SIGKILL at points of the dev tick; see test/fixtures/dev/crash.ts. Split over files to run in parallel.
import { MERGE_POINTS, crashSuite } from "../fixtures/dev/crash.ts";

crashSuite(MERGE_POINTS.slice(4, 8), []);
