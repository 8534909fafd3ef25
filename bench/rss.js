// The process's memory as the benchmark reads it: a field of /proc/self/status, in KiB. Shared by
// the workload children (child.js) and the Node-alone reference (node-buffer.js), so both are
// measured the same way.
'use strict';

const { readFileSync } = require('node:fs');

function statusKiB(field) {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

module.exports = { statusKiB };
