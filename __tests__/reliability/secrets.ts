/**
 * The secrets scanner every reliability test uses: error messages (and every own string
 * property of an error), log lines and any other text are checked for the configured keys and
 * secrets, none of which may appear. LOCAL and MEMORY have no secrets; the S3 and Azure targets
 * add theirs with `scanner.add(...)` or by having them in the environment (see SECRET_VARIABLES).
 */
import { configurationVariables, setLogger, type LogEvent } from '../..';

/**
 * Variables whose values must never show up in an error or a log line: the configuration
 * table's credentials, and the test servers' own.
 */
export const SECRET_VARIABLES = [
  ...configurationVariables()
    .filter((v) => v.secret)
    .map((v) => v.name),
  'STOWAGE_TEST_S3_ACCESS_KEY_ID',
  'STOWAGE_TEST_S3_SECRET_ACCESS_KEY',
  'STOWAGE_TEST_S3_STRICT_ACCESS_KEY_ID',
  'STOWAGE_TEST_S3_STRICT_SECRET_ACCESS_KEY',
  'STOWAGE_TEST_AZURE_KEY',
  'STOWAGE_TEST_AZURE_CONNECTION_STRING',
];

/** Shorter values are too likely to occur by chance (and are no real secret). */
const MIN_SECRET_LENGTH = 8;

export class SecretScanner {
  private readonly secrets = new Set<string>();
  readonly leaks: string[] = [];
  scanned = 0;

  constructor(env: Record<string, string | undefined> = process.env) {
    for (const name of SECRET_VARIABLES) this.add(env[name]);
  }

  /** Registers secrets; a connection string also registers its `AccountKey`/`SharedAccessSignature` parts. */
  add(...values: Array<string | undefined | null>): this {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH) continue;
      this.secrets.add(value);
      this.secrets.add(encodeURIComponent(value));
      for (const m of value.matchAll(/(?:AccountKey|SharedAccessSignature|sig)=([^;&]+)/g)) this.add(m[1]);
    }
    return this;
  }

  get count(): number {
    return this.secrets.size;
  }

  /** Records a leak when `text` contains a secret; `where` says what was scanned. */
  scan(text: string, where: string): void {
    this.scanned += 1;
    for (const secret of this.secrets) {
      if (text.includes(secret)) this.leaks.push(`${where}: contains a secret (${secret.length} chars)`);
    }
  }

  /** Scans an error (or anything thrown): its message, stack and every own string property. */
  scanError(error: unknown, where: string): void {
    if (error === null || typeof error !== 'object') {
      this.scan(String(error), where);
      return;
    }
    const e = error as Record<string, unknown>;
    const parts = [String(e.message ?? ''), String(e.stack ?? '')];
    for (const key of Object.getOwnPropertyNames(e)) {
      if (typeof e[key] === 'string') parts.push(e[key] as string);
    }
    this.scan(parts.join('\n'), where);
  }

  /** Runs `fn`, scanning what it rejects with; returns the error code or 'OK'. */
  async codeOf(fn: () => Promise<unknown>, where = 'call'): Promise<string> {
    try {
      await fn();
      return 'OK';
    } catch (e) {
      this.scanError(e, where);
      const err = e as { code?: string; name?: string };
      return err.code ?? err.name ?? `uncoded: ${String(e)}`;
    }
  }

  /** Routes Stowage's log events through the scanner (and on to `next`); returns an undo. */
  captureLogs(next?: (event: LogEvent) => void): () => void {
    setLogger((event) => {
      this.scan(JSON.stringify(event), `log ${event.level} ${event.operation ?? ''}`);
      next?.(event);
    });
    return () => setLogger(null);
  }
}
