// A grpc-js server of the interop service on 127.0.0.1:<port> (0 picks a free port).
// Prints "listening <port>" once it accepts calls; runs until killed or its stdin closes.
'use strict';
const { grpc, InteropService, toJson, fromJson } = require('./peer');

function deadlineMs(call) {
  const deadline = call.getDeadline();
  return deadline === Infinity ? -1 : Math.max(0, Math.round(new Date(deadline).getTime() - Date.now()));
}

function echoedMetadata(call) {
  const echoed = {};
  for (const [key, value] of Object.entries(toJson(call.metadata))) {
    if (key.startsWith('x-')) echoed[key] = value;
  }
  return echoed;
}

const server = new grpc.Server();
server.addService(InteropService.service, {
  Echo(call, callback) {
    const echoed = echoedMetadata(call);
    call.sendMetadata(fromJson(echoed));
    callback(null, { text: call.request.text, deadlineMs: deadlineMs(call) }, fromJson(echoed));
  },
  Fail(call, callback) {
    callback({ code: call.request.code, details: call.request.message, metadata: fromJson({ 'x-failed': 'yes' }) });
  },
  Sleep(call, callback) {
    const started = deadlineMs(call);
    const timer = setTimeout(() => callback(null, { text: 'slept', deadlineMs: started }), call.request.delayMs);
    call.on('cancelled', () => clearTimeout(timer));
  },
});

const port = process.argv[2] ?? '0';
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`listening ${bound}`);
});

// Ends on a signal, or when the test process that started it goes away and its stdin closes.
const shutdown = () => server.tryShutdown(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
