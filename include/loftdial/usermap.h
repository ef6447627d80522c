/*
 * usermap: which Salesloft user is which person at this terminal.
 *
 * Salesloft users are matched by email (their login address or their sending address,
 * case-insensitively) against the connected user (from /v2/me, saved with the tokens) and
 * against the local operator (salesloft.operator_email: the person dialling here, when that
 * is not the connected user, e.g. an admin's connection shared by a team). A call is logged
 * with the operator's user_guid; Salesloft lets only team admins log calls for another user,
 * so a mapping that would need that is refused up front rather than at POST time.
 */
#ifndef LOFTDIAL_USERMAP_H
#define LOFTDIAL_USERMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/store.h"

struct usermap_user {
	int64_t id;
	char guid[64];
	char email[320];
	char name[256];
	bool team_admin;
};

/* The connected user (from the tokens; guid and name completed from the users table when
 * the tokens lack them). ENOENT when not connected. */
int usermap_me(struct store *st, struct usermap_user *out);
/* The live synced user whose email or sending address equals email (any case); ENOENT. */
int usermap_by_email(struct store *st, const char *email, struct usermap_user *out);
/* The user_guid a call made here is logged with: the operator's Salesloft user when
 * operator_email is set (it must be a synced user: ENOENT otherwise), else the connected
 * user. EPERM when that is another user and the connected user is not a team admin. *who
 * (optional) gets the user. */
int usermap_call_user(struct store *st, const char *operator_email, struct usermap_user *who);

#endif
