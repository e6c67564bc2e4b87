/**
 * @module The open-loop client of bench/gateway, in a process of its own (as wrk2 is), so that
 * the benchmark's own heap and event loop add nothing to the tail it measures. Sends `rate`
 * requests a second, evenly spaced, for `duration` seconds over at most `connections`
 * keep-alive connections, taking `paths` in turn; each request's latency counts from when it
 * was due, so a stalled server is charged for every request it kept waiting. Prints one JSON
 * line: { sent, failed, seconds, latencies: { p50, p99, max } } in milliseconds.
 *
 *   node bench/gateway/paced.mjs '{"base":"http://127.0.0.1:8080","paths":["/hello"],"headers":{},"rate":1000,"duration":10,"connections":32}'
 */
import http from "node:http";

const { base, paths, headers, rate, duration, connections } = JSON.parse(process.argv[2] ?? "{}");
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = new Float64Array(Math.round(rate * duration));
let answered = 0;
let failed = 0;

const send = (path, due) =>
  new Promise((resolve) => {
    const req = http.get({ agent, host: url.hostname, port: url.port, path, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) latencies[answered++] = performance.now() - due;
        else failed++;
        resolve();
      });
    });
    req.on("error", () => {
      failed++;
      resolve();
    });
  });

const interval = 1000 / rate;
const count = latencies.length;
const started = performance.now();
const inflight = [];
for (let i = 0; i < count; ) {
  const now = performance.now();
  // Everything due by now goes, each with its own due time.
  for (; i < count && started + i * interval <= now; i++) {
    inflight.push(send(paths[i % paths.length], started + i * interval));
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await Promise.all(inflight);
const seconds = (performance.now() - started) / 1000;
agent.destroy();
const sorted = latencies.subarray(0, answered).sort();
const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
process.stdout.write(
  `${JSON.stringify({ sent: count, failed, seconds, latencies: { p50: at(0.5), p99: at(0.99), max: at(1) } })}\n`,
);
