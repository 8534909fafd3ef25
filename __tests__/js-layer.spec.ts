/**
 * The hand-written JavaScript layer (lib/) the binding calls: main.js hands it over once per JS
 * thread; the stream classes and the list iterator are lib's; a binding loaded without the
 * package entry says so instead of failing obscurely.
 */
import { execFileSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import * as stowage from '..';

const repo = join(__dirname, '..');

/** Runs `script` in a fresh Node process at the repository root; its stdout. */
function node(script: string): string {
  return execFileSync(process.execPath, ['-e', script], { cwd: repo, timeout: 60_000, encoding: 'utf8' });
}

describe('the hand-written layer (lib/)', () => {
  it('builds getFileStats and listFiles results, and its stream classes are Node streams', async () => {
    const p = new stowage.MemoryStorageProvider();
    await p.writeFile('d/a.txt', 'hello');
    await p.writeFile('d/b.log', 'x');
    const stats = await p.getFileStats('d/a.txt');
    expect(stats).toMatchObject({ size: 5, contentType: expect.stringMatching(/^text\/plain/) });
    expect(typeof stats.mtime.getTime()).toBe('number');
    expect(await p.listFiles('d', { filter: (n) => n.endsWith('.txt') })).toEqual(['a.txt']);
    const read = p.createReadStream('d/a.txt');
    expect(read).toBeInstanceOf(Readable);
    const chunks: Buffer[] = [];
    for await (const chunk of read) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    const write = p.createWriteStream('d/c.txt');
    expect(write).toBeInstanceOf(Writable);
    await new Promise<void>((resolve, reject) => write.on('error', reject).end('new', resolve));
    expect((await p.readFile('d/c.txt')).toString()).toBe('new');
    const listed: string[] = [];
    for await (const entry of p.list('d')) listed.push(entry.path);
    expect(listed).toEqual(['a.txt', 'b.log', 'c.txt']);
  });

  it('a helpers object without every function is refused, and the registered ones stay', async () => {
    expect(() => stowage.registerHelpers({ fileStats: () => ({}) })).toThrow(/registerHelpers: "appendNames" must be a function/);
    const p = new stowage.MemoryStorageProvider();
    await p.writeFile('f', 'abc');
    expect((await p.getFileStats('f')).size).toBe(3);
  });

  it('the binding loaded without the package entry names the entry point to use', () => {
    const out = node(`
      const { MemoryStorageProvider } = require('./index.js');
      const p = new MemoryStorageProvider();
      p.writeFile('f', 'abc')
        .then(() => p.getFileStats('f'))
        .then(() => console.log('resolved'), (e) => console.log(e.message));
    `);
    expect(out).toContain("the binding was loaded without the package's entry point (require('stowage')");
  });

  it('in a fresh process, the package entry registers the layer before the first call', () => {
    const out = node(`
      const { MemoryStorageProvider } = require('./main.js');
      const p = new MemoryStorageProvider();
      p.writeFile('f', 'abc').then(() => p.getFileStats('f')).then((s) => console.log(s.size, s.mtime instanceof Date));
    `);
    expect(out.trim()).toBe('3 true');
  });
});
