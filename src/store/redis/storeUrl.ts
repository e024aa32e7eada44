// `--store` names the Redis that keeps a node's data: one server, a Sentinel group, or a Cluster.

export interface StoreAddress {
  readonly host: string;
  readonly port: number;
}

export interface StoreUrl {
  readonly kind: 'standalone' | 'sentinel' | 'cluster';
  /** The server (standalone), the sentinels, or the cluster nodes to discover the others from. */
  readonly nodes: readonly StoreAddress[];
  /** Sentinel: the name of the monitored primary. */
  readonly masterName?: string;
  readonly username?: string;
  readonly password?: string;
  /** rediss:// (and the +sentinel/+cluster forms of it): TLS to every node. */
  readonly tls: boolean;
  /** Standalone and Sentinel: the database number in the path (Cluster has only 0). */
  readonly database: number;
}

const SCHEMES: Record<string, { kind: StoreUrl['kind']; tls: boolean }> = {
  'redis:': { kind: 'standalone', tls: false },
  'rediss:': { kind: 'standalone', tls: true },
  'redis+sentinel:': { kind: 'sentinel', tls: false },
  'rediss+sentinel:': { kind: 'sentinel', tls: true },
  'redis+cluster:': { kind: 'cluster', tls: false },
  'rediss+cluster:': { kind: 'cluster', tls: true },
};

const FORMS = 'redis://[user:password@]host:port[/db], redis+sentinel://host:port,host:port/mastername[/db] or redis+cluster://host:port,host:port';

/**
 * Reads a store URL; throws an Error that says what is wrong and the accepted forms.
 * @example parseStoreUrl('redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster')
 */
export function parseStoreUrl(text: string): StoreUrl {
  const fail = (why: string): never => {
    throw new Error(`--store ${why}: '${text}' (use ${FORMS})`);
  };
  const match = /^([a-z+]+:)\/\/(?:([^@/]*)@)?([^/]+)(?:\/(.*))?$/.exec(text);
  if (match === null) return fail('is not a Redis URL');
  const scheme = SCHEMES[match[1]];
  if (scheme === undefined) return fail(`has an unknown scheme ${match[1]}`);
  let username: string | undefined;
  let password: string | undefined;
  if (match[2] !== undefined) {
    const colon = match[2].indexOf(':');
    username = decodeURIComponent(colon === -1 ? match[2] : match[2].slice(0, colon)) || undefined;
    password = colon === -1 ? undefined : decodeURIComponent(match[2].slice(colon + 1));
  }
  const nodes = match[3].split(',').map((part) => {
    const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(part);
    if (hostPort === null) return fail(`has a bad address '${part}'`);
    const port = hostPort[2] === undefined ? (scheme.kind === 'sentinel' ? 26379 : 6379) : Number(hostPort[2]);
    if (port < 1 || port > 65535) return fail(`has a bad port in '${part}'`);
    return { host: hostPort[1].replace(/^\[|\]$/g, ''), port };
  });
  if (scheme.kind === 'standalone' && nodes.length !== 1) fail('names more than one server (a Sentinel group or a Cluster has its own scheme)');
  const path = (match[4] ?? '').split('/').filter((p) => p !== '');
  let masterName: string | undefined;
  if (scheme.kind === 'sentinel') {
    masterName = path.shift();
    if (masterName === undefined) fail('needs the primary\'s name after the sentinels');
  }
  let database = 0;
  if (path.length > 0) {
    if (scheme.kind === 'cluster' || path.length > 1 || !/^\d+$/.test(path[0])) fail('has a bad path (only a database number may follow)');
    database = Number(path[0]);
  }
  return { kind: scheme.kind, nodes, masterName, username, password, tls: scheme.tls, database };
}
