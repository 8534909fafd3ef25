/** Types of report.js: RELIABILITY.md sections, written by the reliability specs and scripts. */
export declare const REPORT: string;
/** Replaces the section `part` (kept in `order` position among the others) of RELIABILITY.md. */
export declare function writeSection(part: string, order: number, title: string, body: string): void;
/** A Markdown table. */
export declare function table(head: string[], rows: Array<Array<string | number>>): string;
