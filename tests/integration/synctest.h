/*
 * synctest: what the sync integration tests share: a loftdial home folder (config file,
 * database) pointed at a spawned loftdial-sandbox, running loftdial subcommands against it,
 * and reading the resulting store back with SQLite for field-by-field checks.
 */
#ifndef LOFTDIAL_SYNCTEST_H
#define LOFTDIAL_SYNCTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "sbxtest.h"
#include "testlib.h"

#define ST_OUT_MAX 65536

struct st_home {
	char dir[512];
	char env_home[600], env_api[200], env_acc[200], env_key[200];
	const struct sbxt *sbx;
};

/* For a group setup that fails after starting the sandbox: stops it (cmocka runs no
 * teardown then) and returns -1. */
int st_setup_failed(struct sbxt *s);

/* Makes a fresh home for sandbox s with these config lines (may be NULL) appended to a base
 * config (short rate window, fast retries). 0 or an errno value. */
int st_home_new(struct st_home *h, const struct sbxt *s, const char *config_lines);
/* Removes the home folder. */
void st_home_free(struct st_home *h);
/* Runs loftdial with args (NULL-terminated) in home h; out (optional) gets stdout+stderr.
 * Returns the exit code, -1 on timeout or signal. with_key adds LOFTDIAL_API_KEY. */
int st_loftdial(struct st_home *h, bool with_key, char *out, size_t n, int timeout_ms, ...);
/* Spawns loftdial (args NULL-terminated) with a pipe to its stdin in *stdin_fd. */
int st_spawn(struct st_home *h, bool with_key, struct tl_proc *p, int *stdin_fd, ...);

/* Config lines for OAuth against the sandbox's default client, redirect on port. */
void st_oauth_config(char *out, size_t n, int port);
/* Approves an authorize URL as the sandbox's consent form would (decision, user 1) and
 * copies the redirect Location into loc. 0 or an errno value. */
int st_consent(const char *authorize_url, const char *decision, char *loc, size_t n);
/* Connects home with OAuth through `loftdial connect --paste` (home must have the OAuth
 * config). 0 or an errno value; out gets the output. */
int st_oauth_connect(struct st_home *h, char *out, size_t n);
/* Reads the authorize URL a running `loftdial connect` printed. */
int st_wait_authorize_url(struct tl_proc *p, char *url, size_t n);

/* Waits (deadline) for a spawned child to exit by itself; its wait status, or -1 (then it
 * is killed). */
int st_wait_exit(struct tl_proc *p, int timeout_ms);

/* Opens the home's database read-only. */
sqlite3 *st_db(const struct st_home *h);
/* One integer from a query with no parameters (or -1). */
int64_t st_int(sqlite3 *db, const char *sql);
/* The raw JSON of one stored row as a cJSON tree (NULL when absent); table is "sl_people"... */
cJSON *st_row_json(sqlite3 *db, const char *table, int64_t id);

/* Total records of a /v2 list path according to the sandbox (include_paging_counts). */
long st_remote_count(struct sbxt *s, const char *path);
/* A sandbox admin counter ("v2_requests", "cost_charged", ...), or -1. */
double st_counter(struct sbxt *s, const char *name);

/* Compares the raw exports (all objects, deleted rows included) of two homes; prints the
 * first difference. true when identical. */
bool st_same_store(struct st_home *a, struct st_home *b);

#endif
