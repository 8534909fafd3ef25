#!/usr/bin/env node
// stowage: ls, cp, sync, rm and du over ./local/paths, s3://bucket/prefix, azure://container/prefix
// and gs://bucket/prefix.
// Configured by the same environment variables as the library. Exit codes: 0 ok, 1 a failure
// (some files failed, or the operation did), 2 a usage error.
'use strict';

const { pipeline } = require('node:stream/promises');
const { LocalStorageProvider, S3StorageProvider, AzureBlobStorageProvider, GcsStorageProvider, transfer } = require('..');

const USAGE = `Usage: stowage <command> [options] <location...>

Commands:
  ls [-r] <loc>                  list a directory (-r: the whole tree), or show a file
  du <loc>                       files and bytes under a directory, at any depth
  cp [-r] <src> <dst>            copy a file; -r: every file of a tree
  sync [--dry-run] <src> <dst>   copy the files of a tree that differ (size, then SHA-256)
  rm [-r] [--dry-run] <loc>      remove a file; -r: a whole tree

Locations: ./relative/path or /absolute/path (local), s3://bucket/prefix, azure://container/prefix,
gs://bucket/prefix. S3, Azure and GCS read AWS_*, AZURE_* and Google's variables (AWS_REGION,
AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, AZURE_STORAGE_CONNECTION_STRING, GOOGLE_APPLICATION_CREDENTIALS,
GCS_ENDPOINT_URL, ...); the URL names the bucket or container.

Options: -r, --recursive   --dry-run   --concurrency <n> (default 8)   -q, --quiet   -h, --help
Exit codes: 0 ok, 1 failure (some files, or the whole operation), 2 usage error.`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { recursive: false, dryRun: false, quiet: false, concurrency: 8, args: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '-r' || a === '--recursive') opts.recursive = true;
    else if (a === '--dry-run' || a === '-n') opts.dryRun = true;
    else if (a === '-q' || a === '--quiet') opts.quiet = true;
    else if (a === '-h' || a === '--help') opts.help = true;
    else if (a === '--concurrency') {
      opts.concurrency = Number(argv[(i += 1)]);
      if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new UsageError('--concurrency needs a positive integer');
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else opts.args.push(a);
  }
  return opts;
}

/** `{ provider, path, label }` for a location. */
function locate(text) {
  const match = /^(s3|azure|gs):\/\/([^/]+)\/?(.*)$/.exec(text);
  if (!match) {
    if (/^[a-z0-9]+:\/\//i.test(text)) throw new UsageError(`unknown location scheme: ${text}`);
    return { provider: new LocalStorageProvider(), path: text, label: text };
  }
  const [, scheme, container, prefix] = match;
  const provider =
    scheme === 's3'
      ? new S3StorageProvider({ bucket: container })
      : scheme === 'gs'
        ? new GcsStorageProvider({ bucket: container })
        : new AzureBlobStorageProvider({ container });
  return { provider, path: `/${prefix.replace(/\/+$/, '')}`, label: text };
}

const join = (dir, rel) => `${dir.replace(/\/+$/, '')}/${rel}`;
const human = (n) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), (i += 1);
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
};

/** A progress bar on stderr, only when it is a terminal. */
function progressBar(quiet, total) {
  if (quiet || !process.stderr.isTTY) return { update() {}, done() {} };
  let shown = false;
  return {
    update(p) {
      const n = p.copied + p.skipped + p.failed;
      const width = 30;
      const filled = total ? Math.round((width * n) / total) : 0;
      const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total}` : `${n} files`;
      process.stderr.write(`\r${bar}  copied ${p.copied}, skipped ${p.skipped}, failed ${p.failed}, ${human(p.bytes)}  `);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}

async function walk(loc, recursive, onEntry) {
  for await (const entry of loc.provider.list(loc.path, { recursive })) onEntry(entry);
}

async function countFiles(loc) {
  let n = 0;
  await walk(loc, true, (e) => (n += e.isDirectory ? 0 : 1));
  return n;
}

async function ls(opts) {
  if (opts.args.length !== 1) throw new UsageError('ls needs one location');
  const loc = locate(opts.args[0]);
  if (await loc.provider.fileExists(loc.path)) {
    const st = await loc.provider.getFileStats(loc.path);
    console.log(`${st.size}\t${st.mtime.toISOString()}\t${loc.label}`);
    return 0;
  }
  await walk(loc, opts.recursive, (e) => {
    const when = e.mtime ? e.mtime.toISOString() : '-';
    console.log(e.isDirectory ? `-\t${when}\t${e.path}/` : `${e.size}\t${when}\t${e.path}`);
  });
  return 0;
}

async function du(opts) {
  if (opts.args.length !== 1) throw new UsageError('du needs one location');
  const loc = locate(opts.args[0]);
  let files = 0;
  let bytes = 0;
  await walk(loc, true, (e) => {
    if (!e.isDirectory) (files += 1), (bytes += e.size);
  });
  console.log(`${bytes}\t${files} files\t${human(bytes)}\t${loc.label}`);
  return 0;
}

async function copyTree(opts, skipIdentical) {
  if (opts.args.length !== 2) throw new UsageError(`${skipIdentical ? 'sync' : 'cp'} needs a source and a destination`);
  const [src, dst] = opts.args.map(locate);
  const bar = progressBar(opts.quiet, !opts.quiet && process.stderr.isTTY ? await countFiles(src) : 0);
  const result = await transfer(src.provider, src.path, dst.provider, dst.path, {
    concurrency: opts.concurrency,
    dryRun: opts.dryRun,
    skipIdentical,
    onProgress: (p) => bar.update(p),
  });
  bar.done();
  for (const f of result.failed) console.error(`failed: ${f.path}: ${f.message}`);
  const verb = opts.dryRun ? 'would copy' : 'copied';
  if (!opts.quiet) {
    console.log(`${verb} ${result.copied}, skipped ${result.skipped}, failed ${result.failed.length} (${human(result.bytes)})`);
  }
  return result.failed.length > 0 ? 1 : 0;
}

async function cp(opts) {
  if (opts.recursive) return copyTree(opts, false);
  if (opts.args.length !== 2) throw new UsageError('cp needs a source and a destination');
  const [src, dst] = opts.args.map(locate);
  let target = dst.path;
  if (target.endsWith('/') || (await dst.provider.directoryExists(target))) {
    target = join(target, src.path.split('/').filter(Boolean).pop());
  }
  await pipeline(src.provider.createReadStream(src.path), dst.provider.createWriteStream(target));
  return 0;
}

async function rm(opts) {
  if (opts.args.length !== 1) throw new UsageError('rm needs one location');
  const loc = locate(opts.args[0]);
  if (await loc.provider.fileExists(loc.path)) {
    if (opts.dryRun) console.log(`would remove ${loc.label}`);
    else await loc.provider.deleteFile(loc.path);
    return 0;
  }
  if (!opts.recursive) {
    const exists = await loc.provider.directoryExists(loc.path);
    console.error(`stowage: ${loc.label}: ${exists ? 'is a directory (use -r)' : 'no such file or directory'}`);
    return 1;
  }
  if (opts.dryRun) {
    let files = 0;
    await walk(loc, true, (e) => {
      if (!e.isDirectory) (files += 1), console.log(`would remove ${join(loc.label, e.path)}`);
    });
    console.log(`would remove ${files} files`);
    return 0;
  }
  await loc.provider.deleteDirectory(loc.path, { recursive: true });
  return 0;
}

const COMMANDS = { ls, du, cp, sync: (opts) => copyTree(opts, true), rm };

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv.slice(1));
    if (argv[0] === '-h' || argv[0] === '--help') opts.help = true;
    if (opts.help || argv.length === 0) {
      console.log(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    const command = COMMANDS[argv[0]];
    if (!command) throw new UsageError(`unknown command ${argv[0]}`);
    if (opts.dryRun && !['sync', 'rm'].includes(argv[0])) throw new UsageError('--dry-run is for sync and rm');
    return await command(opts);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`stowage: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`stowage: ${e && e.message ? e.message : e}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
