// Stowage's AzureBlobStorageProvider (release build, as impls/stowage.js loads it) against Azurite.
'use strict';

const { addonPath } = require('./stowage');
const { azureSettings } = require('../cloud');

module.exports = function create(base, backend, extra = {}) {
  const { AzureBlobStorageProvider } = require(addonPath());
  const p = new AzureBlobStorageProvider({ ...azureSettings(), ...extra });
  return {
    name: 'stowage-azure',
    writeFile: (key, data) => p.writeFile(key, data),
    readFile: (key) => p.readFile(key),
  };
};
