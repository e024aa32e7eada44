import { StormbreakerError } from '../errors';
import { OK } from '../resp/Reply';
import { ClientInfo, defineCommand, ServerInfo } from './Command';

export const AuthErrors = {
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  noPassword:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  noAuth: 'NOAUTH Authentication required.',
} as const;

/** Checks credentials for the only user, `default`, and marks the client authenticated. */
export function authenticate(server: ServerInfo, client: ClientInfo, user: string, password: Buffer): void {
  const expected = server.requirePassword();
  if (user !== 'default' || password.toString('latin1') !== expected) {
    throw new StormbreakerError(AuthErrors.wrongPass);
  }
  client.authenticated = true;
}

export const auth = defineCommand({
  name: 'auth',
  arity: -2,
  flags: ['noscript', 'noauth', 'fast', 'skip_slowlog'],
  group: 'connection',
  summary: 'Authenticates the connection',
  run({ server, client }, args) {
    if (args.length > 3) throw new StormbreakerError('ERR syntax error');
    if (args.length === 2 && server.requirePassword() === '') throw new StormbreakerError(AuthErrors.noPassword);
    const user = args.length === 3 ? args[1].toString('latin1') : 'default';
    authenticate(server, client, user, args[args.length - 1]);
    return OK;
  },
});
