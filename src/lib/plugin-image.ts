// The container image of disinto's Woodpecker plugin. Pipelines that `disinto init` writes use
// it, and the sandbox CI recognises it to run the local bundle instead of a container.
export const PLUGIN_IMAGE = "codeberg.org/disinto/disinto";

/** `codeberg.org/disinto/disinto`, with any tag or digest. */
export const PLUGIN_IMAGE_PATTERN = /^codeberg\.org\/disinto\/disinto(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/;
