// The package's entry point. index.js is the loader `napi build` generates (regenerated on every
// build, so nothing hand-written can live there); this file loads it and hands the binding the
// hand-written JavaScript it calls (lib/index.js). When no native binary fits this machine, it
// replaces napi's generic "Cannot find native binding" with an error that names the platform,
// the package the loader looked for, and what to do. Any other error passes through.
'use strict';

// `module.exports = require(...)` as it is: Node's ES module import finds the named exports in it.
try {
  module.exports = require('./index.js');
} catch (err) {
  throw explain(err);
}
require('./lib/index.js').attach(module.exports);

/** The napi-rs platform name of this process: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformName() {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform === 'win32') return `${base}-msvc`;
  if (process.platform !== 'linux') return base;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  return report && report.header && report.header.glibcVersionRuntime ? `${base}-gnu` : `${base}-musl`;
}

/** `x86_64-unknown-linux-gnu` → `linux-x64-gnu`, as napi names the per-platform packages. */
function targetName(triple) {
  const [arch, , os, abi] = triple.split('-');
  const cpu = { x86_64: 'x64', aarch64: 'arm64' }[arch] ?? arch;
  if (triple.includes('apple-darwin')) return `darwin-${cpu}`;
  if (os === 'windows') return `win32-${cpu}-${abi}`;
  return `${os}-${cpu}-${abi}`;
}

/** Every message in the loader's cause chain (napi chains one error per place it tried). */
function causes(err) {
  const messages = [];
  for (let e = err.cause; e && messages.length < 20; e = e.cause) messages.push(String(e.message));
  return messages;
}

function explain(err) {
  if (!err || typeof err.message !== 'string' || !/^(Cannot find|Failed to load) native binding/.test(err.message)) {
    return err;
  }
  const pkg = require('./package.json');
  const tried = causes(err);
  // The platform package the loader tried (it tells musl from glibc its own way), else our guess.
  const triedPackage = tried
    .map((m) => m.match(new RegExp(`Cannot find module '${pkg.name}-([a-z0-9-]+)'`)))
    .find((m) => m && !m[1].startsWith('wasm32'));
  const name = triedPackage ? triedPackage[1] : platformName();
  const wanted = `${pkg.name}-${name}`;
  const supported = pkg.napi.targets.map(targetName);
  const glibc = tried.find((m) => /GLIBC_[0-9.]+' not found/.test(m));
  let advice;
  if (glibc) {
    advice =
      `The binary needs a newer glibc than this system has (${glibc.replace(/\s+/g, ' ').trim()}). ` +
      `Install ${wanted} (it needs glibc 2.17) instead of a locally built binary, or build from source here.`;
  } else if (supported.includes(name)) {
    advice =
      `Install it: \`npm install ${pkg.name}\` adds it as an optional dependency, so an install ` +
      `with --omit=optional / --no-optional, or a node_modules (or package-lock.json) brought from ` +
      `another OS or CPU (a Mac's node_modules copied into a Linux container), lacks it: remove ` +
      `node_modules and package-lock.json and install again on this machine.`;
  } else {
    advice =
      `No binary is published for ${name}; supported: ${supported.join(', ')}. ` +
      `Build it from source (a Rust toolchain and \`npm run build\` in a clone of the repository).`;
  }
  const looked = triedPackage
    ? `It looked for the package ${wanted} and the file ./${pkg.napi.binaryName}.${name}.node. `
    : '';
  const message = `${pkg.name}: no native binary for this platform (${name}, Node ${process.version}). ${looked}${advice}`;
  const error = new Error(message);
  error.code = 'ERR_STOWAGE_NO_BINARY';
  error.platform = name;
  error.package = wanted;
  error.cause = err;
  return error;
}
