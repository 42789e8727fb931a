// The Node version check that runs before anything else: in each bundle's launcher
// (bundles/<name>.mjs, built from this file by src/build/bundle.ts) and in `npm test`
// (test/run.mjs). An older Node fails later with errors that do not say why ("Cannot read
// properties of undefined", ERR_UNKNOWN_FILE_EXTENSION); this says it in one sentence, exit 2.
// Plain JavaScript in old syntax on purpose: it must run on the Node it turns away.
//
// The minimum is package.json's `engines.node`, ">=X.Y.Z": the highest any runtime dependency
// declares, and the first that runs the TypeScript sources (type stripping) for the tests.

/** "22.19.0" from ">=22.19.0"; throws naming the value when `engines.node` has another form. */
export function minimumFromEngines(range) {
  var m = /^\s*>=\s*(\d+\.\d+\.\d+)\s*$/.exec(String(range));
  if (!m) throw new Error("package.json engines.node must be \">=X.Y.Z\", got " + JSON.stringify(range));
  return m[1];
}

/** Whether version `found` ("20.20.2") is older than `minimum` ("22.19.0"). */
export function olderThan(found, minimum) {
  var a = String(found).split(".").map(Number);
  var b = String(minimum).split(".").map(Number);
  for (var i = 0; i < 3; i++) {
    var x = a[i] || 0;
    var y = b[i] || 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** The one sentence: what is needed, what was found (and where), how to get it. */
export function nodeVersionMessage(what, minimum, found, execPath) {
  return (
    what + " needs Node.js " + minimum + " or newer but found Node.js " + found + " (" + execPath + "): " +
    "install a current Node.js (https://nodejs.org/en/download, or `nvm install --lts`) and run it with that."
  );
}

/** Exit 2 with the sentence on stderr when this Node is older than `minimum`. */
export function requireNode(what, minimum) {
  var found = process.versions.node;
  if (!olderThan(found, minimum)) return;
  process.stderr.write(nodeVersionMessage(what, minimum, found, process.execPath) + "\n");
  process.exit(2);
}
