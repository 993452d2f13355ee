// Runs a bundled or source streaming handler the way Lambda's runtime would, in a plain Node process,
// and prints {statusCode, headers, body}: the prelude (up to 8 NUL bytes) and what follows it.
// Usage: node [-r sucrase/register] stream-probe.js MODULE EVENT_JSON [CONTEXT_JSON]
const { Writable } = require("node:stream");

const [modulePath, eventJson, contextJson] = process.argv.slice(2);
const { handler } = require(require("node:path").resolve(modulePath));
const chunks = [];
const stream = new Writable({ write(chunk, _encoding, callback) { chunks.push(Buffer.from(chunk)); callback(); } });
stream.setContentType = (type) => { stream.contentType = type; };
const context = contextJson ? { ...JSON.parse(contextJson), getRemainingTimeInMillis: () => 60_000 } : undefined;
handler(JSON.parse(eventJson), stream, context).then(() => {
  const all = Buffer.concat(chunks);
  const cut = all.indexOf(Buffer.alloc(8));
  const prelude = JSON.parse(all.subarray(0, cut).toString("utf8"));
  process.stdout.write(JSON.stringify({ ...prelude, body: all.subarray(cut + 8).toString("utf8"), streamContentType: stream.contentType }));
});
