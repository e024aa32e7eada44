// Moves keys from a Redis with RedisAI (or any Redis) to a Stormbreaker server, the way Redis moves
// keys between servers: SCAN the source, DUMP each key with its remaining time to live, RESTORE
// it on the target. Tensors, models and scripts arrive in RedisAI's own encoding and are loaded by
// the target's backends as they are restored; strings, lists and hashes too. The source is only
// read. Run it again with --replace to overwrite keys the target already has.
//
//   npm run migrate -- --from redis://old-host:6379 --to redis://localhost:6379 [--match 'prefix*']
//                      [--replace] [--count 100]
//
// Prints one line per key that could not move (and why), then a summary; exits 1 if any failed.
import Redis from 'ioredis';

interface Options {
  from: string;
  to: string;
  match: string;
  replace: boolean;
  count: number;
}

const USAGE = 'usage: npm run migrate -- --from redis://host:port --to redis://host:port [--match pattern] [--replace] [--count n]';

function parseOptions(argv: string[]): Options {
  const options: Options = { from: '', to: '', match: '*', replace: false, count: 100 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (flag === '--from') options.from = value();
    else if (flag === '--to') options.to = value();
    else if (flag === '--match') options.match = value();
    else if (flag === '--replace') options.replace = true;
    else if (flag === '--count') options.count = Number(value());
    else throw new Error(`unknown argument '${flag}'\n${USAGE}`);
  }
  if (!options.from || !options.to) throw new Error(USAGE);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error('--count needs a positive integer');
  return options;
}

export interface MigrationReport {
  moved: number;
  /** Keys the target already had (without --replace), and keys that vanished from the source mid-way. */
  skipped: number;
  failed: Array<{ key: string; reason: string }>;
}

/** Moves every key matching `options.match` from `source` to `target`. */
export async function migrate(source: Redis, target: Redis, options: Pick<Options, 'match' | 'replace' | 'count'>): Promise<MigrationReport> {
  const report: MigrationReport = { moved: 0, skipped: 0, failed: [] };
  let cursor = '0';
  do {
    const [next, keys] = await source.scanBuffer(cursor, 'MATCH', options.match, 'COUNT', options.count);
    cursor = next.toString();
    // One round trip per batch on each side: every DUMP and PTTL, then every RESTORE.
    const read = source.pipeline();
    for (const key of keys) read.dumpBuffer(key).pttl(key);
    const answers = (await read.exec()) ?? [];
    const write = target.pipeline();
    const sent: Buffer[] = [];
    keys.forEach((key, i) => {
      const [dumpError, payload] = answers[2 * i];
      const [, pttl] = answers[2 * i + 1];
      if (dumpError !== null) {
        report.failed.push({ key: key.toString(), reason: dumpError.message });
      } else if (payload === null) {
        report.skipped++; // deleted or expired since SCAN saw it
      } else {
        const ttl = Number(pttl) > 0 ? Number(pttl) : 0;
        if (options.replace) write.restore(key, ttl, payload as Buffer, 'REPLACE');
        else write.restore(key, ttl, payload as Buffer);
        sent.push(key);
      }
    });
    const results = sent.length > 0 ? (await write.exec()) ?? [] : [];
    results.forEach(([err], i) => {
      if (err === null) report.moved++;
      else if (err.message.startsWith('BUSYKEY')) report.skipped++;
      else report.failed.push({ key: sent[i].toString(), reason: err.message });
    });
  } while (cursor !== '0');
  return report;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const source = new Redis(options.from, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const target = new Redis(options.to, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await Promise.all([source.connect(), target.connect()]);
    const report = await migrate(source, target, options);
    for (const { key, reason } of report.failed) console.log(`not moved: ${key}: ${reason}`);
    console.log(`moved ${report.moved} keys, skipped ${report.skipped} (already on the target${options.replace ? '' : '; --replace overwrites them'}, or gone from the source), failed ${report.failed.length}`);
    process.exitCode = report.failed.length > 0 ? 1 : 0;
  } finally {
    source.disconnect();
    target.disconnect();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(2);
  });
}
