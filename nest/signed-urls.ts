import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignedUrlOptions } from 'stowage';
import { withSettings } from './config';
import type { ConfigReader, SigningOptions } from './options';

/** Where the module's SignedUrlController serves signed URLs of LOCAL and MEMORY. */
export const SIGNED_URL_ROUTE = 'storage/signed';

/** Longest lifetime of a signed URL, as on S3: 7 days. */
const MAX_EXPIRES_IN = 604_800;
const DEFAULT_EXPIRES_IN = 3600;

export type SignedProvider = 'LOCAL' | 'MEMORY';
export type SignedMethod = 'GET' | 'PUT';

/** What a signed URL names; every field is covered by the signature. */
export interface SignedTarget {
  disk: string;
  provider: SignedProvider;
  method: SignedMethod;
  path: string;
  /** Unix time, seconds. */
  expires: number;
}

/** A coded error, shaped as Stowage's own. */
function storageError(code: string, message: string, path: string, provider: string): Error {
  return Object.assign(new Error(message), { code, path, operation: 'getSignedUrl', provider, retryable: false });
}

/**
 * Signs and checks URLs of one disk with HMAC-SHA256. The signature covers the disk, provider,
 * method, path and expiry, so changing any of them (or using a PUT URL to GET) fails `verify`;
 * signatures are compared in constant time.
 */
export class UrlSigner {
  constructor(
    private readonly secret: string | undefined,
    private readonly baseUrl: string,
    readonly disk: string,
  ) {}

  get enabled(): boolean {
    return !!this.secret;
  }

  /** `getSignedUrl` of a LOCAL or MEMORY provider; ENOTSUP without a secret, as the native call. */
  sign(provider: SignedProvider, path: string, options: SignedUrlOptions | undefined, now = Date.now()): string {
    if (!this.secret) {
      throw storageError(
        'ENOTSUP',
        `getSignedUrl ${path}: signed URLs on ${provider} need a signing secret (STORAGE_SIGNING_SECRET or StorageModule's signing.secret)`,
        path,
        provider,
      );
    }
    if (typeof path !== 'string' || path === '') {
      throw storageError('EINVAL', 'getSignedUrl: path must be a non-empty string', String(path), provider);
    }
    const expiresIn = options?.expiresIn ?? DEFAULT_EXPIRES_IN;
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
      throw storageError(
        'EINVAL',
        `getSignedUrl ${path}: expiresIn must be a number of seconds between 1 and ${MAX_EXPIRES_IN} (received ${expiresIn})`,
        path,
        provider,
      );
    }
    const method = String(options?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'PUT') {
      throw storageError('EINVAL', `getSignedUrl ${path}: method must be "GET" or "PUT" (received "${method}")`, path, provider);
    }
    const target: SignedTarget = {
      disk: this.disk,
      provider,
      method,
      path,
      expires: Math.floor(now / 1000) + Math.floor(expiresIn),
    };
    const query = new URLSearchParams({
      provider,
      method,
      expires: String(target.expires),
      signature: this.signature(target),
    });
    return `${this.baseUrl}/${SIGNED_URL_ROUTE}/${encodeURIComponent(this.disk)}/${encodeURIComponent(path)}?${query}`;
  }

  /** True when `signature` is this disk's signature of `target` and it has not expired. */
  verify(target: SignedTarget, signature: string, now = Date.now()): boolean {
    if (!this.secret || !Number.isSafeInteger(target.expires) || target.expires * 1000 < now) return false;
    const expected = Buffer.from(this.signature(target));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private signature(t: SignedTarget): string {
    const payload = [t.disk, t.provider, t.method, t.expires, t.path].join('\n');
    return createHmac('sha256', this.secret!).update(payload).digest('base64url');
  }
}

/** The signer of disk `disk`: options first, then ConfigService, then `process.env`. */
export function urlSigner(
  options: SigningOptions | undefined,
  config: ConfigReader | null | undefined,
  disk: string,
): UrlSigner {
  const { secret, baseUrl = '' } = withSettings<SigningOptions>('signing', options, config);
  return new UrlSigner(secret, baseUrl.replace(/\/+$/, ''), disk);
}
