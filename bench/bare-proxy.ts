/**
 * Reference for the proxy scenario: the least a Node.js HTTP pass-through can do — no auth, no routing, no
 * checks, one keep-alive agent — run as its own process like the gateway. It shows how much of the gap to a
 * direct call is the cost of any Node proxy hop, and how much is the gateway's own work.
 *
 *   node dist/bench/bare-proxy.js <child port> <authorization header value>   → prints "listening <port>"
 */
import http from 'node:http';

const childPort = Number(process.argv[2]);
const authorization = process.argv[3] ?? '';
const agent = new http.Agent({ keepAlive: true, timeout: 4000 });

const server = http.createServer((req, res) => {
  const upstream = http.request(
    { host: '127.0.0.1', port: childPort, method: req.method, path: req.url, agent, headers: { ...req.headers, authorization } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
