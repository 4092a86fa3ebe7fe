// A minimal stdio MCP server in plain Node.js (no packages, nothing to
// download), to show that node servers run confined. Tools: "hello"
// answers; "tryread" tries to read a file and reports whether it could
// (never what it read); "tmp" writes and reads back a file in os.tmpdir()
// or, when given, a directory.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const tools = [
  { name: 'hello', description: 'Says hello.', inputSchema: { type: 'object' } },
  { name: 'tryread', description: 'Tries to read a file.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'trywrite', description: 'Tries to write a file in a directory.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
];

function call(name, args) {
  switch (name) {
    case 'hello':
      return { ok: true, node: process.version, cpus: os.cpus().length };
    case 'tryread':
      try {
        return { ok: true, bytes: fs.readFileSync(args.path).length };
      } catch (e) {
        return { ok: false, error: e.code || String(e) };
      }
    case 'trywrite':
      try {
        const f = path.join(args.path, 'trywrite-' + process.pid);
        fs.writeFileSync(f, 'x');
        fs.unlinkSync(f);
        return { ok: true };
      } catch (e) {
        return { ok: false, error: e.code || String(e) };
      }
  }
  return null;
}

function reply(id, result) {
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\n');
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    return;
  }
  if (msg.id === undefined) return; // a notification
  switch (msg.method) {
    case 'initialize':
      return reply(msg.id, { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'wasmgw-test-node', version: '1' } });
    case 'tools/list':
      return reply(msg.id, { tools });
    case 'tools/call': {
      const out = call(msg.params.name, msg.params.arguments || {});
      if (!out) return process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32602, message: 'unknown tool' } }) + '\n');
      return reply(msg.id, { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out });
    }
    case 'ping':
      return reply(msg.id, {});
  }
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found' } }) + '\n');
});
