/*
 * tokens: the one row of credentials. Saving replaces the row inside a transaction (nested in
 * the caller's when there is one), so the rotated refresh token and the new access token are
 * always written together.
 */
#include <errno.h>
#include <string.h>

#include "loftdial/text.h"
#include "loftdial/tokens.h"
#include "store_int.h"

/* Reads the saved credentials. */
int tokens_load(struct store *st, struct tokens *out)
{
	static const char sql[] = "SELECT kind, access_token, refresh_token, expires_at, scope, "
	                          "user_id, user_guid, user_email, user_name, team_admin, "
	                          "updated_at, api_url, accounts_url FROM tokens WHERE id = 1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	err = store_step_row(st, stmt, "tokens load");
	if (!err) {
		store_col_copy(stmt, 0, out->kind, sizeof(out->kind));
		store_col_copy(stmt, 1, out->access_token, sizeof(out->access_token));
		store_col_copy(stmt, 2, out->refresh_token, sizeof(out->refresh_token));
		out->expires_at = sqlite3_column_int64(stmt, 3);
		store_col_copy(stmt, 4, out->scope, sizeof(out->scope));
		out->user_id = sqlite3_column_int64(stmt, 5);
		store_col_copy(stmt, 6, out->user_guid, sizeof(out->user_guid));
		store_col_copy(stmt, 7, out->user_email, sizeof(out->user_email));
		store_col_copy(stmt, 8, out->user_name, sizeof(out->user_name));
		out->team_admin = sqlite3_column_int(stmt, 9) != 0;
		out->updated_at = sqlite3_column_int64(stmt, 10);
		store_col_copy(stmt, 11, out->api_url, sizeof(out->api_url));
		store_col_copy(stmt, 12, out->accounts_url, sizeof(out->accounts_url));
	}
	store_stmt_end(stmt);
	return err;
}

/* True when a fixed-size field holds a NUL-terminated string. */
static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* Replaces the saved credentials atomically. */
int tokens_save(struct store *st, const struct tokens *t)
{
	static const char sql[] =
	        "INSERT OR REPLACE INTO tokens (id, kind, access_token, refresh_token, "
	        "expires_at, scope, user_id, user_guid, user_email, user_name, team_admin, "
	        "updated_at, api_url, accounts_url) "
	        "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	sqlite3_stmt *stmt = NULL;
	int err;

	if (!st || !t)
		return EINVAL;
	if (!terminated(t->kind, sizeof(t->kind)) ||
	    !terminated(t->access_token, sizeof(t->access_token)) ||
	    !terminated(t->refresh_token, sizeof(t->refresh_token)) ||
	    !terminated(t->scope, sizeof(t->scope)) ||
	    !terminated(t->user_guid, sizeof(t->user_guid)) ||
	    !terminated(t->user_email, sizeof(t->user_email)) ||
	    !terminated(t->user_name, sizeof(t->user_name)) ||
	    !terminated(t->api_url, sizeof(t->api_url)) ||
	    !terminated(t->accounts_url, sizeof(t->accounts_url)))
		return EINVAL;
	if ((strcmp(t->kind, "oauth") != 0 && strcmp(t->kind, "api_key") != 0) ||
	    !t->access_token[0])
		return EINVAL;
	err = store_begin(st);
	if (err)
		return err;
	err = store_stmt(st, sql, &stmt);
	if (err)
		goto out;
	sqlite3_bind_text(stmt, 1, t->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, t->access_token, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, t->refresh_token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, t->expires_at);
	sqlite3_bind_text(stmt, 5, t->scope, -1, SQLITE_STATIC);
	store_bind_int_or_null(stmt, 6, t->user_id);
	sqlite3_bind_text(stmt, 7, t->user_guid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, t->user_email, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 9, t->user_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 10, t->team_admin ? 1 : 0);
	sqlite3_bind_int64(stmt, 11, store_now());
	sqlite3_bind_text(stmt, 12, t->api_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 13, t->accounts_url, -1, SQLITE_STATIC);
	err = store_step_done(st, stmt, "tokens save");
out:
	store_stmt_end(stmt);
	if (err) {
		store_rollback(st);
		return err;
	}
	return store_commit(st);
}

/* Forgets the credentials. */
int tokens_clear(struct store *st)
{
	static const char sql[] = "DELETE FROM tokens";
	sqlite3_stmt *stmt;
	int err;

	if (!st)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	err = store_step_done(st, stmt, "tokens clear");
	store_stmt_end(stmt);
	return err;
}
