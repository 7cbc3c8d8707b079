// Whether this process runs the compiled JavaScript in dist/ (core/bin/build.js) or the TypeScript sources
// under a loader (tsx, vitest). Every product module is built together, so this module's own URL tells.
export const runningCompiled = import.meta.url.endsWith('.js');
