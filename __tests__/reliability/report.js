/**
 * Plain JavaScript (with report.d.ts), so that scripts outside jest (fuzz, soak) can use it too.
 *
 * Each reliability spec replaces its own section (between `<!-- part:NAME -->` markers) of a
 * report with the figures it just measured. A normal run writes the report of that run,
 * `.test-results/RELIABILITY.md` (git-ignored), so a test run never changes the checkout. The
 * tracked RELIABILITY.md at the repo root changes only on request: with
 * `STOWAGE_UPDATE_RELIABILITY=1` the sections go straight into it, and
 * `node __tests__/reliability/report.js --update` (`npm run reliability:update`) copies the
 * sections of the last run's report into it. Specs run in parallel workers, so every
 * read-modify-write happens under a lock directory.
 */
'use strict';
const { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
/** The tracked report, regenerated only on request. */
const TRACKED = join(ROOT, 'RELIABILITY.md');
/** The report of the current (or last) run. */
const RUN_REPORT = join(ROOT, '.test-results', 'RELIABILITY.md');
/** Where `writeSection` writes in this process. */
const REPORT = process.env.STOWAGE_UPDATE_RELIABILITY === '1' ? TRACKED : RUN_REPORT;

const HOW = `A test run writes its figures to \`.test-results/RELIABILITY.md\` (git-ignored) and leaves
this file alone. To regenerate this file, either run the suite with
\`STOWAGE_UPDATE_RELIABILITY=1\` (\`STOWAGE_UPDATE_RELIABILITY=1 npm test\`, or one spec:
\`STOWAGE_UPDATE_RELIABILITY=1 node node_modules/jest/bin/jest.js __tests__/reliability/<spec>\`),
or copy the sections of the last run's report here with \`npm run reliability:update\`.`;

const HEADERS = {
  [TRACKED]: `# Reliability and security figures

Measured by the reliability suite (\`__tests__/reliability\`, part of \`npm test\`), the fuzz step
(\`scripts/fuzz.sh\`) and \`npm run soak\`: each section comes from the spec or script that
measured it, with the date of that run. What the figures mean and how each test works is in the
spec named in each section.

${HOW}
`,
  [RUN_REPORT]: `# Reliability and security figures of this run

Written by the reliability suite, the fuzz step and \`npm run soak\` of the last test run (see the
tracked RELIABILITY.md at the repo root). \`npm run reliability:update\` copies these sections there.
`,
};

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock(file, fn) {
  const lock = `${file}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after 30 s.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock);
      } catch {
        /* gone meanwhile */
      }
      if (i > 600) throw new Error(`cannot lock ${lock}`);
      sleepSync(50);
    }
  }
  try {
    fn();
  } finally {
    rmdirSync(lock);
  }
}

/** The sections of a report: name → { order, text }. */
function readSections(file) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* no report yet */
  }
  const sections = new Map();
  for (const m of text.matchAll(/<!-- part:(\S+) order:(\d+) -->\n([\s\S]*?)<!-- \/part -->\n?/g)) {
    sections.set(m[1], { order: Number(m[2]), text: m[3] });
  }
  return sections;
}

/** Merges `updates` (name → { order, text }) into the report `file`, keeping its other sections. */
function mergeSections(file, updates) {
  withLock(file, () => {
    const sections = readSections(file);
    for (const [name, section] of updates) sections.set(name, section);
    const ordered = [...sections.entries()].sort((a, b) => a[1].order - b[1].order);
    const out = [HEADERS[file], ...ordered.map(([name, s]) => `<!-- part:${name} order:${s.order} -->\n${s.text}<!-- /part -->\n`)];
    writeFileSync(file, out.join('\n'));
  });
}

/** Replaces the section `part` (kept in `order` position among the others) of this run's report. */
function writeSection(part, order, title, body) {
  const date = new Date().toISOString().slice(0, 10);
  const text = `## ${title}\n\n_Measured ${date}, Node ${process.version}, ${process.platform}._\n\n${body.trim()}\n`;
  mergeSections(REPORT, new Map([[part, { order, text }]]));
}

/** Copies every section of the last run's report into the tracked RELIABILITY.md; how many. */
function updateTracked() {
  const sections = readSections(RUN_REPORT);
  if (sections.size > 0) mergeSections(TRACKED, sections);
  return sections.size;
}

/** A Markdown table. */
function table(head, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

module.exports = { REPORT, TRACKED, RUN_REPORT, writeSection, updateTracked, table };

if (require.main === module) {
  if (process.argv[2] !== '--update') {
    console.error('usage: node __tests__/reliability/report.js --update');
    process.exit(2);
  }
  const n = updateTracked();
  if (n === 0) {
    console.error(`reliability: no sections in ${relative(process.cwd(), RUN_REPORT)}: run the suite first (npm test)`);
    process.exit(1);
  }
  console.log(`reliability: ${n} sections copied into ${relative(process.cwd(), TRACKED)}`);
}
