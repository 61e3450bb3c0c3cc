import { createServer } from 'node:http';
import pio from '@prometheus-io/client';
import client from 'prom-client';
const s = createServer((q, r) => { r.setHeader('content-type', 'text/plain'); r.end('hello world\n'); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${s.address().port}/\n`));
