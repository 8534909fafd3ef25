// Stowage's GcsStorageProvider (release build, as impls/stowage.js loads it) against
// fake-gcs-server, through the test-only upload bridge (bench/cloud.js gcsSettings), anonymously
// as the emulator allows.
'use strict';

const { addonPath } = require('./stowage');
const { gcsSettings } = require('../cloud');

module.exports = function create(base, backend, extra = {}) {
  const { GcsStorageProvider } = require(addonPath());
  const p = new GcsStorageProvider({ ...gcsSettings(), ...extra });
  return {
    name: 'stowage-gcs',
    writeFile: (key, data) => p.writeFile(key, data),
    readFile: (key) => p.readFile(key),
  };
};
