/*
 * usermap: matching Salesloft users to the connected user and the local operator by email.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loftdial/log.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"
#include "loftdial/usermap.h"

/* Fills out from the current row of a users query (id, guid, email, name, team_admin). */
static void read_row(sqlite3_stmt *stmt, struct usermap_user *out)
{
	const char *s;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(stmt, 0);
	s = (const char *)sqlite3_column_text(stmt, 1);
	text_copy(out->guid, sizeof(out->guid), s ? s : "");
	s = (const char *)sqlite3_column_text(stmt, 2);
	text_copy(out->email, sizeof(out->email), s ? s : "");
	s = (const char *)sqlite3_column_text(stmt, 3);
	text_copy(out->name, sizeof(out->name), s ? s : "");
	out->team_admin = sqlite3_column_int(stmt, 4) != 0;
}

/* Runs a one-row users query with one bound value. */
static int query_one(struct store *st, const char *sql, const char *text, int64_t num,
                     struct usermap_user *out)
{
	sqlite3_stmt *stmt = NULL;
	int err, rc;

	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	rc = text ? sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT)
	          : sqlite3_bind_int64(stmt, 1, num);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		read_row(stmt, out);
		err = 0;
	} else {
		err = rc == SQLITE_DONE ? ENOENT : store_fail(st, rc, "usermap");
	}
	store_stmt_end(stmt);
	return err;
}

int usermap_by_email(struct store *st, const char *email, struct usermap_user *out)
{
	static const char sql[] =
	        "SELECT id, guid, email, name, team_admin FROM sl_users WHERE is_deleted = 0 AND "
	        "(lower(email) = lower(?1) OR lower(sending_email_address) = lower(?1)) "
	        "ORDER BY active DESC, lower(email) = lower(?1) DESC, id LIMIT 1";

	if (!st || !email || !*email || !out)
		return EINVAL;
	return query_one(st, sql, email, 0, out);
}

int usermap_me(struct store *st, struct usermap_user *out)
{
	static const char by_id[] = "SELECT id, guid, email, name, team_admin FROM sl_users "
	                            "WHERE id = ?1";
	struct tokens *t;
	struct usermap_user row;
	int err;

	if (!st || !out)
		return EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	err = tokens_load(st, t);
	if (err)
		goto out;
	memset(out, 0, sizeof(*out));
	out->id = t->user_id;
	text_copy(out->guid, sizeof(out->guid), t->user_guid);
	text_copy(out->email, sizeof(out->email), t->user_email);
	text_copy(out->name, sizeof(out->name), t->user_name);
	out->team_admin = t->team_admin;
	/* Fill the gaps from the synced users (by id, else by email). */
	if ((!*out->guid || !*out->email) &&
	    ((out->id > 0 && !query_one(st, by_id, NULL, out->id, &row)) ||
	     (*out->email && !usermap_by_email(st, out->email, &row)))) {
		if (!*out->guid)
			text_copy(out->guid, sizeof(out->guid), row.guid);
		if (!*out->email)
			text_copy(out->email, sizeof(out->email), row.email);
		if (!*out->name)
			text_copy(out->name, sizeof(out->name), row.name);
		if (!out->id)
			out->id = row.id;
	}
out:
	explicit_bzero(t, sizeof(*t));
	free(t);
	return err;
}

int usermap_call_user(struct store *st, const char *operator_email, struct usermap_user *who)
{
	struct usermap_user me, op;
	int err;

	err = usermap_me(st, &me);
	if (err)
		return err;
	if (!operator_email || !*operator_email || !strcasecmp(operator_email, me.email)) {
		if (who)
			*who = me;
		return *me.guid ? 0 : ENOENT;
	}
	err = usermap_by_email(st, operator_email, &op);
	if (err)
		return err;
	if (op.id != me.id && !me.team_admin) {
		log_warn("usermap",
		         "operator %lld is not the connected user, who is not a team "
		         "admin: Salesloft would refuse calls logged for them",
		         (long long)op.id);
		return EPERM;
	}
	if (who)
		*who = op;
	return 0;
}
