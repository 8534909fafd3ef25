/**
 * The providers the reliability suite attacks. Each target says how its root looks to callers
 * and how to snapshot everything it stores; adding S3 or Azure means adding a target here (with
 * its secrets registered on the scanner), nothing else.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageProvider, MemoryStorageProvider, type IStorageProvider } from '../..';
import { fingerprint, plantCanary } from './canary';

export interface AttackTarget {
  name: string;
  /** `rooted`: a filesystem root (absolute paths outside it are EACCES); `keyed`: a key space (a leading `/` is dropped). */
  kind: 'rooted' | 'keyed';
  provider: IStorageProvider;
  /** The root as an absolute path callers may use ('' for key spaces). */
  root: string;
  /** True when the target can hold symbolic links (LOCAL). */
  links: boolean;
  /** A fingerprint of everything stored, to show a refused call changed nothing. */
  snapshot(): Promise<string>;
  /** Where a literal name ended up, as an OS path under the root (LOCAL), or null. */
  osPath(path: string): string | null;
}

/** A work directory holding `root/` (the attacked root) and `canary/` (outside it). */
export function workspace(prefix: string): { work: string; root: string; canary: string; dispose(): void } {
  const work = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const root = join(work, 'root');
  const canary = join(work, 'canary');
  mkdirSync(root, { recursive: true });
  plantCanary(canary);
  return { work, root, canary, dispose: () => rmSync(work, { recursive: true, force: true }) };
}

/** Symbolic links inside `root` that lead outside (to `canary`), and a few that stay inside. */
export function plantLinks(root: string, canary: string): void {
  mkdirSync(join(root, 'inside', 'nested'), { recursive: true });
  symlinkSync(join(canary, 'secret.txt'), join(root, 'file-link'));
  symlinkSync(join(canary, 'dir'), join(root, 'dir-link'));
  symlinkSync('../canary', join(root, 'rel-link'));
  symlinkSync('chain-2', join(root, 'chain-1'));
  symlinkSync(join(root, 'chain-3'), join(root, 'chain-2'));
  symlinkSync('rel-link/dir', join(root, 'chain-3'));
  symlinkSync('../..', join(root, 'inside', 'up-link'));
  symlinkSync('../../../canary/dir', join(root, 'inside', 'nested', 'deep-up-link'));
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
  symlinkSync('/proc/self/cwd', join(root, 'proc-link'));
  symlinkSync(`${root}/../canary/`, join(root, 'dotdot-abs-link'));
  symlinkSync('/', join(root, 'slash-link'));
  symlinkSync(join(root, 'inside'), join(root, 'inside-abs-link'));
}

function treeOf(provider: IStorageProvider): () => Promise<string> {
  return async () => {
    const lines: string[] = [];
    const walk = async (dir: string) => {
      for (const name of await provider.listFiles(dir)) {
        const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
        if (await provider.directoryExists(path)) {
          lines.push(`${path}/`);
          await walk(path);
        } else {
          lines.push(`${path} ${(await provider.readFile(path)).toString('base64')}`);
        }
      }
    };
    await walk('/');
    return lines.join('\n');
  };
}

export function localTarget(root: string): AttackTarget {
  return {
    name: 'LOCAL (root)',
    kind: 'rooted',
    provider: new LocalStorageProvider({ root }),
    root,
    links: true,
    snapshot: async () => fingerprint(root),
    osPath: (path) => (path.startsWith('/') ? path : join(root, path)),
  };
}

export function memoryTarget(): AttackTarget {
  const provider = new MemoryStorageProvider();
  return { name: 'MEMORY', kind: 'keyed', provider, root: '', links: false, snapshot: treeOf(provider), osPath: () => null };
}
