#!/usr/bin/env node
import { backendsFound } from '../server/backendsFound';
import { withConfigFile } from '../server/configFile';
import { HELP, parseServerArgs } from '../server/parseServerArgs';
import { createServer } from '../server/Server';
import { PACKAGE_VERSION, VERSION } from '../version';

async function main(): Promise<void> {
  let options;
  try {
    options = parseServerArgs(withConfigFile(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (options.version) {
    // redis-server's shape (tools parse its v=), with our own version beside it.
    process.stdout.write(`Stormbreaker server v=${PACKAGE_VERSION} redis_version=${VERSION} (RedisAI commands) node=${process.versions.node}\n`);
    return;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  // The executable always keeps its data where --dir says (the working directory by default):
  // a snapshot found there is loaded; nothing is written unless --save rules, --appendonly yes,
  // SAVE/BGSAVE or SHUTDOWN SAVE ask for it.
  // With --store the data and its durability are Redis's: nothing is kept on disk here.
  const persistence = options.store !== undefined ? undefined : options.persistence ?? {};
  const server = createServer({ ...options, persistence, onShutdown: () => process.exit(0) });
  const log = server.logger;
  let where;
  try {
    where = await server.listen();
  } catch (err) {
    log.warning(`Could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  log.notice(`Stormbreaker ${PACKAGE_VERSION} (Redis protocol ${VERSION}, RedisAI commands), pid ${process.pid}`);
  for (const [backend, found] of Object.entries(backendsFound())) log.notice(`Backend ${backend}: ${found}`);
  if (server.store !== undefined) {
    log.notice(`Store: ${server.store.describe()} (this node keeps no data; commands that are not AI.* go there)`);
  } else {
    const kept = server.persistence!.options;
    log.notice(`Store: embedded in-memory keyspace; snapshots ${kept.dir}/${kept.dbfilename}` +
      (kept.appendonly ? `, append-only log ${kept.dir}/${kept.appendfilename} (fsync ${kept.appendfsync})` : ''));
  }
  if (options.port !== -1) log.notice(`Ready to accept connections tcp on ${options.bind ?? '127.0.0.1'}:${where.port}`);
  if (where.unixsocket) log.notice(`Ready to accept connections unix on ${where.unixsocket}`);
  const stop = (signal: string) => {
    log.warning(`Received ${signal} scheduling shutdown...`);
    server.shutdown().catch((err: Error) => {
      log.warning(`Shutdown failed: ${err.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
