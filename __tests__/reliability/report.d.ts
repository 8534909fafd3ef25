/** Types of report.js: the reliability report's sections, written by the reliability specs and scripts. */
/** Where `writeSection` writes: `.test-results/RELIABILITY.md`, or the tracked RELIABILITY.md with `STOWAGE_UPDATE_RELIABILITY=1`. */
export declare const REPORT: string;
/** The tracked RELIABILITY.md at the repo root. */
export declare const TRACKED: string;
/** The report of the current (or last) run, `.test-results/RELIABILITY.md`. */
export declare const RUN_REPORT: string;
/** Replaces the section `part` (kept in `order` position among the others) of this run's report. */
export declare function writeSection(part: string, order: number, title: string, body: string): void;
/** Copies every section of the last run's report into the tracked RELIABILITY.md; resolves how many. */
export declare function updateTracked(): number;
/** A Markdown table. */
export declare function table(head: string[], rows: Array<Array<string | number>>): string;
