/** The deck preview's page, built (build.js). */
export declare function buildViewHtml(): Promise<{ html: string; bytes: number; gzipBytes: number }>;
/** Its budget, gzipped, in bytes. */
export declare const MAX_GZIP_BYTES: number;
