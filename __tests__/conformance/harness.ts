/**
 * The conformance suite: SPEC's table, run the same way against every provider.
 * A target supplies a provider and a way to name a fresh directory for each test.
 */
import type { IExtendedStorageProvider } from '../..';

export interface Target {
  /** Shown in test names. */
  name: string;
  /** The `provider` field errors carry. */
  providerName: string;
  provider: IExtendedStorageProvider;
  /** A path (as callers write it) for a fresh, not yet existing directory. */
  freshDir(): string;
  /** Makes the next writes look older than `cutoff`; providers without control over mtime wait instead. */
  timeTravel?: (path: string, date: Date) => Promise<void>;
}

let counter = 0;
export function uniqueName(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function join(dir: string, ...names: string[]): string {
  return [dir.replace(/\/+$/, ''), ...names].join('/');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` and returns the error's code, or 'OK'. Errors from the addon are not `instanceof Error` under jest. */
export async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? `uncoded: ${String(e)}`;
  }
}
