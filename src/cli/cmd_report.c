/*
 * `loftdial report [--days N] [--json]`: the record a team keeps to show it followed the
 * dialing rules, read from the store's dial attempts.
 *
 * One row per rep and campaign over the last N days (default 30): dials (legs that sent an
 * INVITE), live answers, dropped live answers, the abandonment share, identification messages
 * played, dials made at a local time outside dial.calling_hours in the prospect's zone (must be
 * zero), and dials made with no zone known (their hours cannot be shown). Names come from the
 * synced users; stored text is sanitised before it reaches a terminal or the JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "loftdial/attempts.h"
#include "loftdial/cli.h"
#include "loftdial/gates.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

#define DAYS_MAX 3650
/* The legal ceiling the report marks rows against (47 CFR 64.1200(a)(7)). */
#define CEILING 0.03

struct report {
	struct store *st;
	bool json;
	cJSON *rows;
	struct attempts_report_row total;
	unsigned nrows;
};

/* The synced user's name for an id, sanitised; "" when unknown. */
static void user_name(struct store *st, int64_t id, char *out, size_t n)
{
	sqlite3_stmt *stmt = NULL;

	out[0] = '\0';
	if (id <= 0 || sqlite3_prepare_v2(store_sqlite(st), "SELECT name FROM users WHERE id = ?1",
	                                  -1, &stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return;
	}
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		text_sanitize(out, n, (const char *)sqlite3_column_text(stmt, 0), false);
	sqlite3_finalize(stmt);
}

static double share(int64_t dropped, int64_t live)
{
	return live > 0 ? (double)dropped / (double)live : 0.0;
}

/* Adds one row's figures to the totals. */
static void add(struct attempts_report_row *t, const struct attempts_report_row *r)
{
	t->dials += r->dials;
	t->live += r->live;
	t->dropped += r->dropped;
	t->ident_played += r->ident_played;
	t->outside_hours += r->outside_hours;
	t->no_zone += r->no_zone;
}

/* The figures of a row as a JSON object (without the names). */
static cJSON *figures(const struct attempts_report_row *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "dials", (double)r->dials);
	cJSON_AddNumberToObject(o, "live_answers", (double)r->live);
	cJSON_AddNumberToObject(o, "dropped", (double)r->dropped);
	cJSON_AddNumberToObject(o, "abandonment", share(r->dropped, r->live));
	cJSON_AddNumberToObject(o, "ident_played", (double)r->ident_played);
	cJSON_AddNumberToObject(o, "outside_hours", (double)r->outside_hours);
	cJSON_AddNumberToObject(o, "no_zone", (double)r->no_zone);
	return o;
}

/* Prints a row's figures as text columns. */
static void print_figures(const struct attempts_report_row *r)
{
	double s = share(r->dropped, r->live);

	printf(" %7lld %6lld %7lld %7.2f%%%c %6lld %8lld %7lld\n", (long long)r->dials,
	       (long long)r->live, (long long)r->dropped, s * 100, s > CEILING ? '!' : ' ',
	       (long long)r->ident_played, (long long)r->outside_hours, (long long)r->no_zone);
}

/* One (rep, campaign) row. */
static int on_row(const struct attempts_report_row *r, void *arg)
{
	struct report *rep = arg;
	char name[128], campaign[sizeof(r->campaign)], who[160];

	user_name(rep->st, r->user_id, name, sizeof(name));
	text_sanitize(campaign, sizeof(campaign), r->campaign, false);
	add(&rep->total, r);
	rep->nrows++;
	if (rep->json) {
		cJSON *o = figures(r);

		if (!o)
			return ENOMEM;
		cJSON_AddNumberToObject(o, "user_id", (double)r->user_id);
		cJSON_AddStringToObject(o, "user", name);
		cJSON_AddStringToObject(o, "campaign", campaign);
		cJSON_AddItemToArray(rep->rows, o);
		return 0;
	}
	if (r->user_id > 0 && name[0])
		text_printf(who, sizeof(who), "%s (%lld)", name, (long long)r->user_id);
	else if (r->user_id > 0)
		text_printf(who, sizeof(who), "user %lld", (long long)r->user_id);
	else
		text_copy(who, sizeof(who), "(unknown rep)");
	printf("%-28.28s %-18.18s", who, campaign[0] ? campaign : "(none)");
	print_figures(r);
	return 0;
}

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	struct report rep;
	struct gates_cfg gc;
	struct store *st = NULL;
	char why[200], since_txt[40];
	long days = 30;
	int64_t since_ms;
	time_t now = time(NULL), since;
	struct tm tm;
	int err, k;

	memset(&rep, 0, sizeof(rep));
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--json")) {
			rep.json = true;
		} else if (!strcmp(argv[k], "--days") && k + 1 < argc) {
			char *end;

			errno = 0;
			days = strtol(argv[++k], &end, 10);
			if (errno || *end || days < 1 || days > DAYS_MAX) {
				fprintf(stderr, "loftdial report: --days takes 1 to %d\n",
				        DAYS_MAX);
				return CLI_USAGE;
			}
		} else {
			return cli_usage(cli_find("report"));
		}
	}
	if (gates_cfg_from_config(&gc, ctx->cfg, why, sizeof(why))) {
		fprintf(stderr, "loftdial report: %s\n", why);
		return CLI_FAIL;
	}
	err = store_open(&st, ctx->paths.db_file);
	if (err) {
		fprintf(stderr, "loftdial report: cannot open %s: %s\n", ctx->paths.db_file,
		        strerror(err));
		return CLI_FAIL;
	}
	since = now - (time_t)days * 86400;
	since_ms = (int64_t)since * 1000;
	gmtime_r(&since, &tm);
	strftime(since_txt, sizeof(since_txt), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rep.st = st;
	if (rep.json) {
		rep.rows = cJSON_CreateArray();
		if (!rep.rows) {
			store_close(st);
			return CLI_FAIL;
		}
	} else {
		printf("dial report: %ld days since %s; calling hours %02u:%02u-%02u:%02u in the "
		       "prospect's zone\n\n",
		       days, since_txt, gc.open_min / 60, gc.open_min % 60, gc.close_min / 60,
		       gc.close_min % 60);
		printf("%-28s %-18s %7s %6s %7s %9s %6s %8s %7s\n", "rep", "campaign", "dials",
		       "live", "dropped", "abandon", "ident", "outside", "no zone");
	}
	err = attempts_report(st, since_ms, gc.open_min, gc.close_min, on_row, &rep);
	store_close(st);
	if (err) {
		cJSON_Delete(rep.rows);
		fprintf(stderr, "loftdial report: %s\n", strerror(err));
		return CLI_FAIL;
	}
	if (rep.json) {
		cJSON *o = cJSON_CreateObject(), *t = figures(&rep.total);
		char hours[16], *s;

		text_printf(hours, sizeof(hours), "%02u:%02u-%02u:%02u", gc.open_min / 60,
		            gc.open_min % 60, gc.close_min / 60, gc.close_min % 60);
		if (!o || !t) {
			cJSON_Delete(o);
			cJSON_Delete(t);
			cJSON_Delete(rep.rows);
			return CLI_FAIL;
		}
		cJSON_AddNumberToObject(o, "days", (double)days);
		cJSON_AddStringToObject(o, "since", since_txt);
		cJSON_AddStringToObject(o, "calling_hours", hours);
		cJSON_AddItemToObject(o, "rows", rep.rows);
		cJSON_AddItemToObject(o, "total", t);
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!s)
			return CLI_FAIL;
		puts(s);
		cJSON_free(s);
	} else {
		printf("%-28s %-18s", "total", "");
		print_figures(&rep.total);
		if (!rep.nrows)
			printf("\nno dials in this period\n");
		if (rep.total.outside_hours)
			printf("\n%lld dials outside the calling hours (must be zero)\n",
			       (long long)rep.total.outside_hours);
		if (rep.total.no_zone)
			printf("\n%lld dials with no time zone known: their hours cannot be "
			       "shown\n",
			       (long long)rep.total.no_zone);
		if (share(rep.total.dropped, rep.total.live) > CEILING)
			printf("\n! abandonment over 3%% of live answers\n");
	}
	if (fflush(stdout))
		return CLI_FAIL;
	return CLI_OK;
}
