// The package version, inlined into each bundle by esbuild (JSON import).
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
