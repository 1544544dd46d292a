/** The repository root (where bin/, dist/ and services/ are). */
export declare const ROOT: string;
/**
 * 'current' when dist/ may run; otherwise why not: 'missing' (never built),
 * or the path of a source changed after the build.
 */
export declare function bundleState(root?: string): string;
