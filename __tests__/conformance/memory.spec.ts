import { MemoryStorageProvider } from '../..';
import { uniqueName } from './harness';
import { confinement, conformance } from './suite';

describe('MEMORY', () => {
  const provider = new MemoryStorageProvider();
  const target = () => ({ name: 'MEMORY', providerName: 'MEMORY', provider, freshDir: () => uniqueName() });
  conformance(target);
  confinement(target, true);
});
