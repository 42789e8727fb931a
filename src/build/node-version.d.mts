// Types of node-version.mjs, which stays plain JavaScript so that it runs on an old Node.
export declare function minimumFromEngines(range: unknown): string;
export declare function olderThan(found: string, minimum: string): boolean;
export declare function nodeVersionMessage(what: string, minimum: string, found: string, execPath: string): string;
export declare function requireNode(what: string, minimum: string): void;
