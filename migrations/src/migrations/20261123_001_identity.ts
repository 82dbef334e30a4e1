import type { Knex } from 'knex';

/** Users, login sessions (refresh-token families) and their rotating refresh tokens. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.bigIncrements('id').primary();
    t.text('username').notNullable();
    t.text('password_hash').notNullable();
    t.text('role').notNullable().checkIn(['admin', 'operator', 'viewer'], 'users_role_check');
    // TOTP secrets are AES-256-GCM ciphertexts; `pending` holds a secret between setup and enable.
    t.text('totp_secret_enc');
    t.text('totp_pending_secret_enc');
    t.boolean('totp_enabled').notNullable().defaultTo(false);
    // The highest RFC 6238 time step accepted so far: a code at or below it is a replay.
    t.bigInteger('totp_last_step').notNullable().defaultTo(0);
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('last_login_at', { useTz: true });
    t.timestamps(true, true);
  });
  await knex.raw('CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))');

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // The family's absolute lifetime: no rotation extends a session past this.
    t.timestamp('absolute_expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');
    t.text('ip');
    t.text('user_agent');
    t.index(['user_id']);
  });

  await knex.schema.createTable('refresh_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    // SHA-256 of the opaque token: 256 random bits need no slow hash, and a leaked table
    // yields nothing a client could present.
    t.binary('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('rotated_at', { useTz: true });
    t.index(['session_id']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('type').notNullable();
    t.text('actor');
    t.text('subject');
    t.text('ip');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.index(['type', 'id']);
    t.index(['at']);
  });
  // Append-only: the database itself refuses to change or delete history.
  await knex.raw(`
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only';
    END;
    $$;
    CREATE TRIGGER audit_events_no_update_delete
      BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_events');
  await knex.raw('DROP FUNCTION IF EXISTS audit_events_append_only()');
  await knex.schema.dropTableIfExists('refresh_tokens');
  await knex.schema.dropTableIfExists('sessions');
  await knex.schema.dropTableIfExists('users');
}
