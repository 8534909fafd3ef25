/** A tree of files on disk for the transfer and CLI specs, and a byte-for-byte comparison. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** `count` files of 0 to 2 KiB in nested directories under `root`; returns their relative paths. */
export function makeTree(root: string, count: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const rel = `d${i % 10}/e${i % 7}/f-${i}.bin`;
    mkdirSync(join(root, `d${i % 10}`, `e${i % 7}`), { recursive: true });
    writeFileSync(join(root, rel), randomBytes(i % 2049));
    paths.push(rel);
  }
  return paths.sort();
}

/** Relative path → sha256 of every file under `root`. */
export function digestTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return out;
}
