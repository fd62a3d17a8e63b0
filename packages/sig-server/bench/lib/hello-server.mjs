// The baseline for bench/server.mjs: a bare Fastify on the same runtime and loopback serving
// the bytes of the file it is given (a chain bundle, read once), as the sig-server's read does.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.argv[2], 'utf8');
const app = Fastify({ logger: false });
app.get('/', async (_req, reply) => reply.type('application/x-ndjson').send(body));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${app.server.address().port}\n`);
