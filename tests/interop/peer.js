// What server.js and client.js share: the interop service definition and metadata as plain JSON.
'use strict';
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(path.join(__dirname, 'proto', 'interop.proto'), {
  keepCase: false,
  longs: Number,
  defaults: true,
});
const InteropService = grpc.loadPackageDefinition(definition).shop.interop.v1.InteropService;

// Metadata as {key: value}; "-bin" values are base64 in JSON and Buffers in grpc-js.
function toJson(metadata) {
  const json = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    json[key] = Buffer.isBuffer(value) ? value.toString('base64') : value;
  }
  return json;
}

function fromJson(json) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(json ?? {})) {
    metadata.add(key, key.endsWith('-bin') ? Buffer.from(value, 'base64') : value);
  }
  return metadata;
}

module.exports = { grpc, InteropService, toJson, fromJson };
