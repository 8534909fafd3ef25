// How the Nest providers read their settings (internal function; Nest 11 run only).
import { s3Options } from '../../nest/config';

describe('S3 settings under Nest', () => {
  it('pass AWS_SESSION_TOKEN (temporary credentials) from ConfigService as sessionToken', () => {
    const values: Record<string, string> = {
      AWS_S3_BUCKET: 'b',
      AWS_ACCESS_KEY_ID: 'ASIA-temporary',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session-token',
    };
    expect(s3Options(undefined, { get: (key) => values[key] })).toMatchObject({
      bucket: 'b',
      accessKeyId: 'ASIA-temporary',
      sessionToken: 'session-token',
    });
    expect(s3Options({ sessionToken: 'explicit' }, { get: (key) => values[key] }).sessionToken).toBe('explicit');
  });
});
