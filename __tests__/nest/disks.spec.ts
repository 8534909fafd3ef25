// Named disks: forRoot({ disks, default }), forRootAsync({ disks: [...names], useFactory }),
// @InjectStorage(name); plain StorageService is the default disk.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { InjectStorage, StorageModule, StorageService, StorageType, stowageStorage } from 'stowage/nest';
import { tempDir } from './helpers';

@Injectable()
class Recordings {
  constructor(
    readonly main: StorageService,
    @InjectStorage('uploads') readonly uploads: StorageService,
    @InjectStorage('replays') readonly replays: StorageService,
  ) {}
}

describe('named disks', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('forRoot({ disks, default }): each disk is its own StorageService, plain StorageService the default one', async () => {
    @Module({ providers: [Recordings] })
    class Feature {}
    const app = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          isGlobal: true,
          disks: { uploads: { type: 'MEMORY' }, replays: { type: 'LOCAL', root: dir.path } },
          default: 'replays',
        }),
        Feature,
      ],
    }).compile();
    const { main, uploads, replays } = app.get(Recordings);

    expect(main).toBe(replays);
    expect(uploads).not.toBe(replays);
    expect(uploads.defaultType).toBe(StorageType.MEMORY);
    expect(replays.defaultType).toBe(StorageType.LOCAL);

    await replays.writeFile('sessions/a.ts', 'segment');
    expect(existsSync(join(dir.path, 'sessions', 'a.ts'))).toBe(true);
    await uploads.writeFile('x/photo.png', 'bytes');
    expect(await uploads.fileExists('x/photo.png')).toBe(true);
    expect(await replays.fileExists('x/photo.png')).toBe(false);
    await app.close();
  });

  it('forRootAsync builds the disks with a factory and its injected ConfigService', async () => {
    @Module({ providers: [Recordings] })
    class Feature {}
    const values = { REPLAYS_DIR: dir.path };
    const app = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({
          isGlobal: true,
          disks: ['uploads', 'replays'],
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => values] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            disks: {
              uploads: { type: 'MEMORY' },
              replays: { type: 'LOCAL', root: config.get<string>('REPLAYS_DIR') },
            },
            default: 'replays',
          }),
        }),
        Feature,
      ],
    }).compile();
    const { main, uploads, replays } = app.get(Recordings);
    expect(main).toBe(replays);
    expect(uploads.defaultType).toBe(StorageType.MEMORY);
    await main.writeFile('b.txt', 'x');
    expect(existsSync(join(dir.path, 'b.txt'))).toBe(true);
    await app.close();
  });

  it('one disk needs no default; more than one without a valid default fails naming the disks', () => {
    expect(() => StorageModule.forRoot({ disks: { only: { type: 'MEMORY' } } })).not.toThrow();
    expect(() => StorageModule.forRoot({ disks: { a: { type: 'MEMORY' }, b: { type: 'MEMORY' } } })).toThrow(
      /"default" must name one of the disks \(a, b\)/,
    );
    expect(() =>
      StorageModule.forRoot({ disks: { a: { type: 'MEMORY' } }, default: 'nope' }),
    ).toThrow(/"nope" is not one of the disks \(a\)/);
  });

  it('a factory that leaves out a declared disk fails at startup naming it', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          StorageModule.forRootAsync({
            disks: ['uploads', 'replays'],
            useFactory: () => ({ disks: { uploads: { type: 'MEMORY' } } }),
          }),
        ],
      }).compile(),
    ).rejects.toThrow(/no disk named "replays"/);
  });

  const s3 = process.env.STOWAGE_TEST_S3_ENDPOINT ? it : it.skip;
  s3('an S3 disk takes the S3 provider\'s option names (against the local S3 test server)', async () => {
    const env = process.env;
    const app = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          disks: {
            local: { type: 'LOCAL', root: dir.path },
            uploads: {
              type: 'S3',
              bucket: env.STOWAGE_TEST_S3_BUCKET,
              region: env.STOWAGE_TEST_S3_REGION,
              endpoint: env.STOWAGE_TEST_S3_ENDPOINT,
              accessKeyId: env.STOWAGE_TEST_S3_ACCESS_KEY_ID,
              secretAccessKey: env.STOWAGE_TEST_S3_SECRET_ACCESS_KEY,
              prefix: `disks-spec-${process.pid}`,
            },
          },
          default: 'local',
        }),
      ],
    }).compile();
    const uploads = app.get<StorageService>(Symbol.for('stowage:disk:uploads'));
    expect(uploads.defaultType).toBe(StorageType.S3);
    await uploads.writeFile('a/b.txt', 'on s3');
    expect((await uploads.readFile('a/b.txt')).toString()).toBe('on s3');
    await uploads.deleteDirectory('a', { recursive: true });
    await app.close();
  });

  it('stowageStorage({ disk: name }) streams into that disk of the running module', async () => {
    const app = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          disks: { uploads: { type: 'MEMORY' }, replays: { type: 'LOCAL', root: dir.path } },
          default: 'replays',
        }),
      ],
    }).compile();
    const engine = stowageStorage({ disk: 'uploads', key: (_req, file) => `in/${file.originalname}` });
    // What multer hands the engine: the request (an ended one) and the part as a stream.
    const req = Object.assign(new EventEmitter(), { complete: true }) as any;
    const file = { fieldname: 'file', originalname: 'a.txt', encoding: '7bit', mimetype: 'text/plain', stream: Readable.from([Buffer.from('to the uploads disk')]) };
    const info = await new Promise<any>((resolve, reject) =>
      engine._handleFile(req, file, (error, stored) => (error ? reject(error) : resolve(stored))),
    );
    expect(info).toMatchObject({ path: 'in/a.txt', size: 19, contentType: 'text/plain' });
    const uploads = app.get<StorageService>(Symbol.for('stowage:disk:uploads'));
    expect((await uploads.readFile('in/a.txt')).toString()).toBe('to the uploads disk');
    expect(await app.get(StorageService).fileExists('in/a.txt')).toBe(false);

    await new Promise<void>((resolve, reject) => engine._removeFile(req, info, (e) => (e ? reject(e) : resolve())));
    expect(await uploads.fileExists('in/a.txt')).toBe(false);
    await app.close();
  });
});
