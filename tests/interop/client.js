// Makes one unary call with grpc-js and prints its outcome as one JSON line:
// {"code", "details", "response", "headers", "trailers"}.
// Usage: node client.js <host:port> '<call>' where call is
// {"method": "Echo", "path": "/optional/override", "request": {...}, "metadata": {...}, "deadlineMs": 500}.
'use strict';
const { grpc, InteropService, toJson, fromJson } = require('./peer');

const [target, json] = process.argv.slice(2);
const call = JSON.parse(json);
const method = InteropService.service[call.method];
const client = new grpc.Client(target, grpc.credentials.createInsecure());
const options = call.deadlineMs === undefined ? {} : { deadline: Date.now() + call.deadlineMs };
const result = { code: null, details: '', response: null, headers: {}, trailers: {} };

const unary = client.makeUnaryRequest(
  call.path ?? method.path,
  method.requestSerialize,
  method.responseDeserialize,
  call.request ?? {},
  fromJson(call.metadata),
  options,
  (error, response) => {
    result.response = error ? null : response;
  });
unary.on('metadata', (metadata) => { result.headers = toJson(metadata); });
unary.on('status', (status) => {
  result.code = status.code;
  result.details = status.details;
  result.trailers = toJson(status.metadata);
  // 'status' comes after the callback; print once everything is known.
  setImmediate(() => {
    console.log(JSON.stringify(result));
    client.close();
  });
});
