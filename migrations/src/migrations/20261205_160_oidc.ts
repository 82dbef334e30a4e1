import type { Knex } from 'knex';

/**
 * Single sign-on with OpenID Connect (issue 17):
 * - `oidc_identities`: which local user an identity at a provider is, keyed by `(issuer,
 *   subject)` — never by email, which a provider may reassign.
 * - `oidc_flows`: logins started at one instance and finished at any other: state, nonce and
 *   PKCE verifier, claimed once (DELETE … RETURNING) before `expires_at`.
 * - `oidc_handoffs`: the one-time code the callback gives the dashboard, stored as a hash;
 *   exchanged once for the session's tokens before `expires_at`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oidc_identities', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('provider').notNullable();
    t.text('issuer').notNullable();
    t.text('subject').notNullable();
    t.text('email');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_login_at', { useTz: true });
    t.unique(['issuer', 'subject']);
    t.index(['user_id']);
  });
  await knex.schema.createTable('oidc_flows', (t) => {
    t.text('state').primary();
    t.text('provider').notNullable();
    t.text('nonce').notNullable();
    t.text('code_verifier').notNullable();
    t.text('return_to').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('oidc_handoffs', (t) => {
    t.text('code_hash').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('provider').notNullable();
    t.text('subject').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oidc_handoffs');
  await knex.schema.dropTable('oidc_flows');
  await knex.schema.dropTable('oidc_identities');
}
