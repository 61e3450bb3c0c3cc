// The same app as server.mjs, as CommonJS: `node --import ./register.js examples/hello/server.cjs`.
const http = require('node:http');

const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((request, response) => {
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
