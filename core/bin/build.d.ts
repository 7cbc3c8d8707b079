// Types of build.js (plain JavaScript, run by npm scripts before any TypeScript loader exists).
export declare function buildDist(
  root?: string,
  options?: { force?: boolean },
): Promise<{ built: false } | { built: true; reason: string; files: number }>;
export declare const compileOptions: {
  format: 'esm';
  platform: 'node';
  target: string;
  logLevel: 'silent';
};
