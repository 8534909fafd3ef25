import { MemoryStorageProvider } from '../..';
import { uniqueName } from './harness';
import { extended } from './extended';
import { metadata } from './metadata';
import { confinement, conformance } from './suite';
import { streams } from './streams';

describe('MEMORY', () => {
  const provider = new MemoryStorageProvider();
  const target = () => ({ name: 'MEMORY', providerName: 'MEMORY', provider, freshDir: () => uniqueName() });
  conformance(target);
  confinement(target, true);
  extended(target);
  metadata(target, { listsEtags: true });
  streams(target);
});
