import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageProvider } from '../..';
import { uniqueName } from './harness';
import { extended } from './extended';
import { metadata } from './metadata';
import { confinement, conformance } from './suite';
import { streams } from './streams';

const work = mkdtempSync(join(tmpdir(), 'stowage-local-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const timeTravel = async (path: string, date: Date) => utimesSync(path, date, date);

describe('LOCAL without a root (absolute paths)', () => {
  conformance(() => ({
    name: 'LOCAL',
    providerName: 'LOCAL',
    provider: new LocalStorageProvider(),
    freshDir: () => join(work, 'plain', uniqueName()),
    timeTravel,
  }));
  streams(
    () => ({ name: 'LOCAL', providerName: 'LOCAL', provider: new LocalStorageProvider(), freshDir: () => join(work, 'streams', uniqueName()) }),
    { rawNames: async (dir) => readdirSync(dir).sort() },
  );
  extended(() => ({
    name: 'LOCAL',
    providerName: 'LOCAL',
    provider: new LocalStorageProvider(),
    freshDir: () => join(work, 'extended', uniqueName()),
    timeTravel,
  }));
  metadata(
    () => ({ name: 'LOCAL', providerName: 'LOCAL', provider: new LocalStorageProvider(), freshDir: () => join(work, 'metadata', uniqueName()) }),
    { listsEtags: false },
  );
});

// /dev/shm is tmpfs (user xattrs since Linux 6.6); the work directory must be another filesystem.
const shm = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(work).dev ? mkdtempSync('/dev/shm/stowage-move-') : undefined;
afterAll(() => shm && rmSync(shm, { recursive: true, force: true }));
(shm ? describe : describe.skip)('LOCAL moveFile across filesystems (tmpfs and the work disk)', () => {
  it.each([
    ['tmpfs → disk', () => shm!, () => work],
    ['disk → tmpfs', () => work, () => shm!],
  ])('%s keeps the content type, headers and user metadata, and removes the source', async (_, fromFs, toFs) => {
    const provider = new LocalStorageProvider();
    const name = uniqueName('moved');
    const [from, to] = [join(fromFs(), name, 'a.bin'), join(toFs(), name, 'b.txt')];
    const options = { contentType: 'image/gif', cacheControl: 'no-store', contentDisposition: 'inline', contentEncoding: 'identity', contentLanguage: 'de', metadata: { owner: 'ann' } };
    await provider.writeFile(from, 'gif bytes', options);
    await provider.moveFile(from, to);
    expect(statSync(from, { throwIfNoEntry: false })).toBeUndefined();
    expect((await provider.readFile(to)).toString()).toBe('gif bytes');
    const { contentType, cacheControl, contentDisposition, contentEncoding, contentLanguage, metadata } = await provider.getFileStats(to);
    expect({ contentType, cacheControl, contentDisposition, contentEncoding, contentLanguage, metadata }).toEqual(options);
  });
});

describe('LOCAL without a root (relative paths)', () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(work));
  afterAll(() => process.chdir(cwd));
  conformance(() => ({
    name: 'LOCAL relative',
    providerName: 'LOCAL',
    provider: new LocalStorageProvider(),
    freshDir: () => `./rel/${uniqueName()}`,
    timeTravel: (path, date) => timeTravel(join(work, path), date),
  }));
});

describe('LOCAL with a root', () => {
  const root = join(work, 'root');
  const target = () => ({
    name: 'LOCAL rooted',
    providerName: 'LOCAL',
    provider: new LocalStorageProvider({ root }),
    freshDir: () => uniqueName(),
    timeTravel: (path: string, date: Date) => timeTravel(join(root, path), date),
  });
  conformance(target);
  confinement(target, false);
  extended(target);
  metadata(target, { listsEtags: false });

  it('a write stream with metadata leaves no temp file when destroyed or refused', async () => {
    const provider = new LocalStorageProvider({ root });
    const dir = uniqueName('meta-abort');
    await provider.writeFile(`${dir}/kept`, 'old');
    const w = provider.createWriteStream(`${dir}/gone.bin`, { contentType: 'image/png' });
    await new Promise<void>((resolve) => w.write(Buffer.from('partial'), () => resolve()));
    w.destroy();
    await new Promise((r) => w.on('close', r));
    const refused = provider.createWriteStream(`${dir}/kept`, { ifNoneMatch: '*' });
    refused.end(Buffer.from('new'));
    await new Promise((r) => refused.on('error', r));
    expect(readdirSync(join(root, dir)).sort()).toEqual(['kept']);
    expect((await provider.readFile(`${dir}/kept`)).toString()).toBe('old');
  });
  streams(target, { rawNames: async (dir) => readdirSync(join(root, dir)).sort() });
});
