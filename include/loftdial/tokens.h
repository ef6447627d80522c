/*
 * tokens: the credentials of the connected Salesloft user (table tokens, one row).
 *
 * OAuth refresh tokens rotate: the refresh answer carries a new refresh token and the old one
 * stops working. tokens_save() writes the new access token, the new refresh token and their
 * expiry in one transaction, so a crash can never leave a stale refresh token behind. The
 * database file is 0600; tokens never go to the log in full.
 */
#ifndef LOFTDIAL_TOKENS_H
#define LOFTDIAL_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include "loftdial/store.h"

#define TOKENS_MAX 4096

struct tokens {
	char kind[16];                  /* "oauth" or "api_key" */
	char access_token[TOKENS_MAX];  /* bearer token (the API key for "api_key") */
	char refresh_token[TOKENS_MAX]; /* "" for api_key */
	int64_t expires_at;             /* unix seconds; 0 = does not expire (api_key) */
	char scope[512];                /* as granted, "" when unknown */
	int64_t user_id;                /* connected user (from /v2/me), 0 when unknown */
	char user_guid[64];
	char user_email[320];
	char user_name[256];
	bool team_admin;
	int64_t updated_at; /* unix seconds of the last save (set by tokens_save) */
	/* The API and OAuth servers the credentials were issued by (no trailing '/'); the token
	 * is only ever sent there. "" for a connection saved before loftdial recorded them. */
	char api_url[512];
	char accounts_url[512];
};

/* Reads the saved credentials; ENOENT when none are saved. */
int tokens_load(struct store *st, struct tokens *out);
/* Replaces the saved credentials in one transaction (nests inside a caller's). EINVAL when
 * kind is neither "oauth" nor "api_key" or access_token is empty. */
int tokens_save(struct store *st, const struct tokens *t);
/* Forgets the credentials (disconnect). Not an error when none were saved. */
int tokens_clear(struct store *st);

#endif
