import { parseArgs } from 'node:util';
import { ConfigError } from '@wirefleet/shared/config';
import { createLogger } from '@wirefleet/shared/logging';
import { newPassword, USER_ROLES, username as usernameSchema } from '@wirefleet/shared/schemas';
import { MAX_ACCESS_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS } from '@wirefleet/shared/tokens';
import { migrateLatest } from '@wirefleet/migrations';
import { AuditLog } from '../platform/audit/index.js';
import { loadAuthApiConfig } from '../config.js';
import { openDatabase } from '../platform/db/index.js';
import { Keyring, rotateKeys } from '../identity/keys/index.js';
import { PasswordHasher } from '../identity/passwords/index.js';
import { UserStore } from '../identity/users/index.js';
import { promptHidden, readStdinLine } from './read-password.js';

const USAGE = `usage: npm run admin -- <command> [options]

  create-user --username U --role admin|operator|viewer [--password-stdin]
  reset-password --username U [--password-stdin]
  rotate-keys [--remove-retiring-after SECONDS]
  list-keys

Uses DATABASE_URL, or the embedded database under DATA_DIR (stop the running stack first).
Without --password-stdin the password is asked for on the terminal.`;

class UsageError extends Error {}

async function readPassword(fromStdin: boolean): Promise<string> {
  const password = fromStdin ? await readStdinLine() : await promptHidden('Password: ');
  if (!fromStdin && (await promptHidden('Repeat password: ')) !== password) throw new UsageError('passwords differ');
  const checked = newPassword.safeParse(password);
  if (!checked.success) throw new UsageError(checked.error.issues[0]!.message);
  return password;
}

async function withUsers<T>(fn: (users: UserStore, hasher: PasswordHasher, audit: AuditLog) => Promise<T>): Promise<T> {
  const { config } = loadAuthApiConfig();
  const logger = createLogger({ service: 'admin-cli', level: 'warn' });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, logger });
  try {
    await migrateLatest(database.knex);
    return await fn(
      new UserStore(database.knex),
      new PasswordHasher(config.argon2, { maxConcurrency: 1, maxQueue: 1 }),
      new AuditLog(database.knex, logger),
    );
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'remove-retiring-after': { type: 'string' },
    },
  });
  switch (command) {
    case 'create-user': {
      const username = usernameSchema.safeParse(values.username);
      if (!username.success) throw new UsageError(`--username: ${username.error.issues[0]!.message}`);
      const role = values.role as (typeof USER_ROLES)[number];
      if (!USER_ROLES.includes(role)) throw new UsageError(`--role: expected one of ${USER_ROLES.join(', ')}`);
      const password = await readPassword(values['password-stdin']);
      const user = await withUsers(async (users, hasher, audit) => {
        const created = await users.create({ username: username.data, passwordHash: await hasher.hash(password), role });
        await audit.record({ type: 'user.created', actor: 'system:admin-cli', subject: `user:${created.id}`, data: { role } });
        return created;
      });
      console.log(`created user ${user.username} (id ${user.id}, role ${user.role})`);
      return;
    }
    case 'reset-password': {
      if (!values.username) throw new UsageError('--username is required');
      const password = await readPassword(values['password-stdin']);
      await withUsers(async (users, hasher, audit) => {
        const user = await users.findByUsername(values.username!);
        if (!user) throw new UsageError(`no user named ${values.username}`);
        await users.update(user.id, { password_hash: await hasher.hash(password) });
        await audit.record({ type: 'user.updated', actor: 'system:admin-cli', subject: `user:${user.id}`, data: { fields: ['password'] } });
      });
      console.log(`password of ${values.username} reset`);
      return;
    }
    case 'rotate-keys': {
      const { config } = loadAuthApiConfig();
      const after = Number(values['remove-retiring-after'] ?? MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS);
      if (!Number.isInteger(after) || after < 0) throw new UsageError('--remove-retiring-after: expected seconds');
      const result = rotateKeys(config.keysDir, after);
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    case 'list-keys': {
      const { config } = loadAuthApiConfig();
      console.table(Keyring.open(config.keysDir).records());
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`admin: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ConfigError) {
    console.error(`admin: ${error.message}`);
    process.exitCode = 2;
  } else {
    console.error(`admin: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
