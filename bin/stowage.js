#!/usr/bin/env node
// stowage: ls, cp, sync, rm and du over ./local/paths and the object stores' URLs (SCHEMES:
// s3://bucket/prefix, azure://container/prefix, gs://bucket/prefix).
// Configured by the same environment variables as the library. Exit codes: 0 ok, 1 a failure
// (some files failed, or the operation did), 2 a usage error, 130 interrupted (Ctrl-C).
'use strict';

const { resolve: resolvePath } = require('node:path');
const { pipeline } = require('node:stream/promises');
const { parseArgs } = require('node:util');
const {
  LocalStorageProvider,
  S3StorageProvider,
  AzureBlobStorageProvider,
  GcsStorageProvider,
  configurationVariables,
  setLogger,
  transfer,
} = require('..');
const { version } = require('../package.json');

/** Files in flight at once: `transfer`'s range. */
const MAX_CONCURRENCY = 256;
/**
 * `sync` removes the temp files of interrupted writes (`.stowage-tmp-*`, what `cleanupTempFiles`
 * recognises) under its destination once they have not changed for this long: a write still in
 * flight keeps touching its temp file, so it is left alone.
 */
const TEMP_FILE_GRACE_MS = 60_000;
/** Exit code after SIGINT/SIGTERM, as shells report a command ended by SIGINT. */
const INTERRUPTED = 130;

/**
 * The URL scheme of each object store, one row each: `scheme://name/prefix` is the `Provider`
 * whose option `option` (its bucket or container) is `name`, at the path `/prefix`.
 */
const SCHEMES = {
  s3: { Provider: S3StorageProvider, option: 'bucket' },
  azure: { Provider: AzureBlobStorageProvider, option: 'container' },
  gs: { Provider: GcsStorageProvider, option: 'bucket' },
};
const SCHEME_URL = new RegExp(`^(${Object.keys(SCHEMES).join('|')}):\\/\\/([^/]+)\\/?(.*)$`);

/** `text` broken at spaces into lines of at most `width` characters. */
function wrap(text, width) {
  const lines = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines.join('\n');
}

const LOCATIONS = wrap(
  `Locations: ./relative/path or /absolute/path (local), ${Object.entries(SCHEMES)
    .map(([scheme, { option }]) => `${scheme}://${option}/prefix`)
    .join(', ')}.`,
  100,
);

const USAGE = `Usage: stowage <command> [options] [--] <location...>

Commands:
  ls [-r] <loc>                  list a directory, sorted (-r: the whole tree), or show a file
  du <loc>                       files and bytes under a directory, at any depth
  cp [-r] <src> <dst>            copy a file; -r: every file of a tree
  sync [--dry-run] <src> <dst>   copy the files of a tree that differ (size, then SHA-256), and
                                 remove temp files that interrupted writes left under <dst>
  rm [-r] [-f] [--dry-run] <loc> remove a file; -r: a whole tree (never /, . or .., a bucket or
                                 a container, unless --no-preserve-root); -f: a missing one is fine
  config [<loc>]                 the configuration variables and whether they are set; with <loc>,
                                 the options its provider runs with (credentials shown as "set")

${LOCATIONS}
Providers read the library's variables; the URL names the bucket or container:
${configurationVariables()
  .filter((v) => v.provider !== 'StorageService' && v.provider !== 'signing')
  .map((v) => `  ${v.name.padEnd(32)} ${v.provider} ${v.option}`)
  .join('\n')}

Options: -r, --recursive   -n, --dry-run   -f, --force   --no-preserve-root
         --concurrency <n> (1 to ${MAX_CONCURRENCY}, default 8)   -q, --quiet   -h, --help   --version
         Short flags combine (-rf); --name=value works; -- ends the options.
Exit codes: 0 ok, 1 failure (some files, or the whole operation), 2 usage error, 130 interrupted.`;

const OPTIONS = {
  recursive: { type: 'boolean', short: 'r' },
  'dry-run': { type: 'boolean', short: 'n' },
  force: { type: 'boolean', short: 'f' },
  'no-preserve-root': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  concurrency: { type: 'string' },
};

class UsageError extends Error {}

/** The command line as `{ command, args, recursive, dryRun, ... }`; a UsageError when it is wrong. */
function readCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(e.message);
    throw e;
  }
  const { values, positionals } = parsed;
  const opts = {
    command: positionals[0],
    args: positionals.slice(1),
    recursive: Boolean(values.recursive),
    dryRun: Boolean(values['dry-run']),
    force: Boolean(values.force),
    preserveRoot: !values['no-preserve-root'],
    quiet: Boolean(values.quiet),
    help: Boolean(values.help),
    version: Boolean(values.version),
    concurrency: 8,
  };
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || n < 1 || n > MAX_CONCURRENCY) {
      throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (got "${values.concurrency}")`);
    }
    opts.concurrency = n;
  }
  return opts;
}

/**
 * A name as it may be printed: control characters (C0, DEL, C1: line breaks, terminal escapes)
 * and the backslash become escapes (`\n`, `\x1b`, `\\`), so a name can neither forge a line of
 * the listing nor send commands to the terminal.
 */
function printable(name) {
  return name.replace(/[\\\x00-\x1f\x7f-\x9f]/g, (c) => {
    const named = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }[c];
    return named ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** `{ provider, path, label, root }` for a location; `root` when it names a bucket or container itself. */
function locate(text) {
  const match = SCHEME_URL.exec(text);
  if (!match) {
    if (/^[a-z0-9]+:\/\//i.test(text)) throw new UsageError(`unknown location scheme: ${text}`);
    return { provider: new LocalStorageProvider(), path: text, label: text, root: false };
  }
  const [, scheme, container, prefix] = match;
  const { Provider, option } = SCHEMES[scheme];
  const provider = new Provider({ [option]: container });
  const path = `/${prefix.replace(/\/+$/, '')}`;
  return { provider, path, label: text, root: path.replace(/[/.]/g, '') === '' };
}

/** True for what `rm --preserve-root` refuses: `/`, a path ending in `.` or `..`, a bucket or container. */
function isProtected(loc) {
  const last = loc.path.split('/').filter(Boolean).pop();
  if (loc.root || last === '.' || last === '..') return true;
  return loc.provider instanceof LocalStorageProvider && resolvePath(loc.path) === '/';
}

const join = (dir, rel) => `${dir.replace(/\/+$/, '')}/${rel}`;
const human = (n) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), (i += 1);
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
};
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

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
    console.log(`${st.size}\t${st.mtime.toISOString()}\t${printable(loc.label)}`);
    return 0;
  }
  const entries = [];
  await walk(loc, opts.recursive, (e) => entries.push(e));
  entries.sort((a, b) => byteOrder(a.path, b.path));
  const lines = entries.map((e) => {
    const when = e.mtime ? e.mtime.toISOString() : '-';
    return e.isDirectory ? `-\t${when}\t${printable(e.path)}/` : `${e.size}\t${when}\t${printable(e.path)}`;
  });
  if (lines.length > 0) console.log(lines.join('\n'));
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
  console.log(`${bytes}\t${files} files\t${human(bytes)}\t${printable(loc.label)}`);
  return 0;
}

async function copyTree(opts, skipIdentical, signal) {
  if (opts.args.length !== 2) throw new UsageError(`${skipIdentical ? 'sync' : 'cp'} needs a source and a destination`);
  const [src, dst] = opts.args.map(locate);
  const bar = progressBar(opts.quiet, !opts.quiet && process.stderr.isTTY ? await countFiles(src) : 0);
  const result = await transfer(src.provider, src.path, dst.provider, dst.path, {
    concurrency: opts.concurrency,
    dryRun: opts.dryRun,
    skipIdentical,
    signal,
    onProgress: (p) => bar.update(p),
  });
  bar.done();
  for (const f of result.failed) console.error(`failed: ${printable(f.path)}: ${printable(f.message)}`);
  if (opts.dryRun && !opts.quiet) {
    for (const path of result.wouldCopy ?? []) console.log(`would copy ${printable(join(src.label, path))}`);
  }
  let cleaned = 0;
  if (skipIdentical && !opts.dryRun && (await dst.provider.directoryExists(dst.path))) {
    cleaned = await dst.provider.cleanupTempFiles(dst.path, new Date(Date.now() - TEMP_FILE_GRACE_MS));
  }
  const verb = opts.dryRun ? 'would copy' : 'copied';
  if (!opts.quiet) {
    const removed = cleaned > 0 ? `, removed ${cleaned} leftover temp files` : '';
    console.log(`${verb} ${result.copied}, skipped ${result.skipped}, failed ${result.failed.length} (${human(result.bytes)})${removed}`);
  }
  return result.failed.length > 0 ? 1 : 0;
}

async function cp(opts, signal) {
  if (opts.recursive) return copyTree(opts, false, signal);
  if (opts.args.length !== 2) throw new UsageError('cp needs a source and a destination');
  const [src, dst] = opts.args.map(locate);
  if (await src.provider.directoryExists(src.path)) {
    console.error(`stowage: ${printable(src.label)}: is a directory (use -r)`);
    return 1;
  }
  let target = dst.path;
  if (target.endsWith('/') || (await dst.provider.directoryExists(target))) {
    target = join(target, src.path.split('/').filter(Boolean).pop());
  }
  // An abort destroys both streams: the destination keeps what it had, no temp file stays.
  await pipeline(src.provider.createReadStream(src.path), dst.provider.createWriteStream(target), { signal });
  return 0;
}

async function rm(opts, signal) {
  if (opts.args.length !== 1) throw new UsageError('rm needs one location');
  const loc = locate(opts.args[0]);
  if (opts.recursive && opts.preserveRoot && isProtected(loc)) {
    console.error(`stowage: refusing to remove ${printable(loc.label)} recursively (use --no-preserve-root to override)`);
    return 1;
  }
  if (await loc.provider.fileExists(loc.path)) {
    if (opts.dryRun) console.log(`would remove ${printable(loc.label)}`);
    else await loc.provider.deleteFile(loc.path);
    return 0;
  }
  const exists = await loc.provider.directoryExists(loc.path);
  if (!exists && opts.force) return 0;
  if (!opts.recursive || !exists) {
    console.error(`stowage: ${printable(loc.label)}: ${exists ? 'is a directory (use -r)' : 'no such file or directory'}`);
    return 1;
  }
  if (opts.dryRun) {
    const files = [];
    await walk(loc, true, (e) => {
      if (!e.isDirectory) files.push(e.path);
    });
    files.sort(byteOrder);
    for (const f of files) console.log(`would remove ${printable(join(loc.label, f))}`);
    console.log(`would remove ${files.length} files`);
    return 0;
  }
  await loc.provider.deleteDirectory(loc.path, { recursive: true, signal });
  return 0;
}

/**
 * `config`: each variable of the configuration table, its value (`set` for a credential, `-` when
 * unset) and what it configures; `config <loc>`: the options of that location's provider.
 */
function config(opts) {
  if (opts.args.length > 1) throw new UsageError('config takes at most one location');
  if (opts.args.length === 1) {
    console.log(JSON.stringify(locate(opts.args[0]).provider.options, null, 2));
    return 0;
  }
  const lines = configurationVariables().map((v) => {
    const value = process.env[v.name] || undefined;
    const shown = value === undefined ? '-' : v.secret ? 'set' : printable(value);
    return `${v.name}\t${shown}\t${v.provider} ${v.option}\t${v.description}`;
  });
  console.log(lines.join('\n'));
  return 0;
}

/** Each command, and whether it stops cleanly on an AbortSignal (else Ctrl-C ends the process at once). */
const COMMANDS = {
  ls: { run: ls, abortable: false },
  du: { run: du, abortable: false },
  cp: { run: cp, abortable: true },
  sync: { run: (opts, signal) => copyTree(opts, true, signal), abortable: true },
  rm: { run: rm, abortable: true },
  config: { run: config, abortable: false },
};

/**
 * Ctrl-C (SIGINT) or SIGTERM aborts an abortable command, which then stops cleanly (files in flight
 * abandoned, their temp files removed) before the process exits with 130; a second signal, or a
 * command that holds nothing to clean up, exits at once.
 */
function onInterrupt(controller, abortable) {
  const handler = () => {
    if (!abortable || controller.signal.aborted) process.exit(INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function main(argv) {
  // The CLI reports failures itself (with exit codes); the library's own log lines would repeat them.
  setLogger((e) => {
    if (e.level === 'warn') console.error(`stowage: warning: ${printable(e.message)}`);
  });
  const controller = new AbortController();
  try {
    const opts = readCommandLine(argv);
    if (opts.version) {
      console.log(`stowage ${version}`);
      return 0;
    }
    if (opts.help || argv.length === 0) {
      console.log(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    const command = COMMANDS[opts.command];
    if (!command) throw new UsageError(opts.command === undefined ? 'no command' : `unknown command ${opts.command}`);
    if (opts.dryRun && !['sync', 'rm'].includes(opts.command)) throw new UsageError('--dry-run is for sync and rm');
    onInterrupt(controller, command.abortable);
    return await command.run(opts, controller.signal);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`stowage: ${printable(e.message)}\n\n${USAGE}`);
      return 2;
    }
    if (controller.signal.aborted) {
      console.error('stowage: interrupted');
      return INTERRUPTED;
    }
    console.error(`stowage: ${printable(String(e && e.message ? e.message : e))}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
