// Runs the bundled packaging worker (dist/apkg-worker.js) as the image would, in a plain Node process:
// one job, then prints its answer. Usage: node worker-probe.js DIST_DIR OUTPUT_APKG
const { Worker } = require("node:worker_threads");
const [dist, out] = process.argv.slice(2);
const worker = new Worker(require("node:path").join(dist, "apkg-worker.js"));
worker.once("message", (m) => { console.log(JSON.stringify(m)); worker.terminate(); });
worker.postMessage({ input: { deckName: "Bundle", noteType: "basic", notes: [{ guid: "g", fields: ["a", "b"], ords: [0] }], media: [], mod: 1 }, path: out, maxBytes: 1e8 });
