/**
 * Soak, short: 20,000 mixed operations across the napi boundary (scripts/soak.js in a child
 * process with --expose-gc), RSS sampled after a GC: flat within ±10% after warm-up. The full
 * 200,000-operation soak is `npm run soak`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeSection } from './report';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { describe: describeSoak } = require('../../scripts/soak.js') as { describe: (r: unknown) => string };

describe('soak (20,000 operations)', () => {
  it('keeps RSS flat within ±10% after warm-up', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', join(__dirname, '..', '..', 'scripts', 'soak.js'), '20000', '--json'], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const result = JSON.parse(child.stdout) as { flat: boolean; ops: number };
    writeSection('soak', 50, 'Soak (in the suite)', describeSoak(result).replace('(`npm run soak`)', '(20,000 operations, in `npm test`)'));
    expect(result).toMatchObject({ ops: 20000, flat: true });
  }, 180_000);
});
