import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
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
    { conditionalDelete: true, listsEtags: false },
  );
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
  metadata(target, { conditionalDelete: true, listsEtags: false });
  streams(target, { rawNames: async (dir) => readdirSync(join(root, dir)).sort() });
});
