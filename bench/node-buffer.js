// Node's own memory for one Buffer: a fresh process that allocates and fills one Buffer of the
// given size, its peak RSS growth measured as child.js measures a workload's. run.js prints it
// next to the 64 MiB rows: the least any client that returns a read object as a Buffer can take
// (V8 accounts for the Buffer and may collect garbage on top of holding its bytes).
'use strict';

const { writeFileSync } = require('node:fs');
const { statusKiB } = require('./rss');


const bytes = Number(process.argv[2]);
statusKiB('VmHWM'); // as child.js: the status reads compiled before the clock
statusKiB('VmRSS');
writeFileSync('/proc/self/clear_refs', '5');
const startRssKiB = statusKiB('VmRSS');
const buf = Buffer.alloc(bytes, 7);
process.stdout.write(`${JSON.stringify({ bytes: buf.length, peakRssKiB: statusKiB('VmHWM'), startRssKiB })}\n`);
