// The official Azure SDK (@azure/storage-blob, the root package's devDependency), used as an
// application would: one ContainerClient from the connection string; BlockBlobClient.upload (one
// Put Blob request) per write, BlobClient.download (one GET) read to a Buffer per read.
// (downloadToBuffer would first ask for the blob's size: one request more per read.)
'use strict';

const { azureContainer, streamToBuffer } = require('../cloud');

module.exports = function create() {
  const container = azureContainer();
  return {
    name: 'azure-sdk',
    writeFile: (key, data) => container.getBlockBlobClient(key).upload(data, data.length).then(() => undefined),
    readFile: async (key) => streamToBuffer((await container.getBlobClient(key).download()).readableStreamBody),
  };
};
