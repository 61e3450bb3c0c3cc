// The smallest promkit app: a plain node:http server. Start it with the preload:
//   node --import ./register.js examples/hello/server.mjs
// then scrape http://localhost:9464/metrics (OTEL_EXPORTER_PROMETHEUS_PORT changes the port).
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);

const server = createServer((request, response) => {
  if (request.url === '/') {
    response.end('hello\n');
  } else {
    response.statusCode = 404;
    response.end('not found\n');
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`hello app on http://127.0.0.1:${server.address().port}/`);
});
