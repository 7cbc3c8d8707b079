// Types of compiled.js (plain JavaScript: the launcher reads it before any TypeScript loader exists).
export declare const packageRoot: string;
export declare const sourceDirs: readonly string[];
export declare const distDir: string;
export declare const stampFile: string;
export declare function sourceFiles(root?: string): string[];
export declare function staleReason(root?: string): string | undefined;
export declare function compiledCli(root?: string): string | undefined;
