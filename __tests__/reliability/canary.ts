/** A tree outside every root that attacks aim at; its fingerprint must never change. */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates the canary tree under `dir`: a few files, a sub-directory, an empty directory. */
export function plantCanary(dir: string): void {
  mkdirSync(join(dir, 'dir', 'deeper'), { recursive: true });
  mkdirSync(join(dir, 'empty'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), 'the canary: nothing may read, write or delete this');
  writeFileSync(join(dir, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(join(dir, 'dir', 'inner.txt'), 'inner canary');
  writeFileSync(join(dir, 'dir', 'deeper', 'deep.bin'), Buffer.from([0, 1, 2, 3, 255]));
}

/** Names, types, sizes, modes, mtimes and bytes of everything under `dir` (links not followed). */
export function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = lstatSync(full);
      hash.update(`${full}|${st.mode}|${st.size}|${st.mtimeMs}\n`);
      if (st.isSymbolicLink()) hash.update(readlinkSync(full));
      else if (st.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}
