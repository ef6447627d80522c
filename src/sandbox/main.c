/*
 * loftdial-sandbox: a Salesloft API v2 stand-in (and simulated phones) for the demo, the
 * tests and the benchmarks. This entry point parses the command line, builds the org, plugs
 * in the other sandbox modules, prints the one ready line and serves until SIGTERM/SIGINT.
 *
 * The modules plug in through registration functions declared in sbx.h. The weak no-op
 * definitions below let the program link before a module exists; a module replaces one by
 * defining the same function in its own file (loftdial-sandbox links ld_sandbox as a whole
 * archive, so its object is always in the link and its strong definition wins).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "sbx.h"

/* ---- weak defaults: replaced by oauth*.c, writes*.c, webhooks*.c, admin*.c, simphones*.c */

__attribute__((weak)) int sbx_auth_register(struct sbx *sbx)
{
	return 0;
}

__attribute__((weak)) int sbx_writes_register(struct sbx *sbx)
{
	return 0;
}

__attribute__((weak)) int sbx_webhooks_register(struct sbx *sbx)
{
	return 0;
}

__attribute__((weak)) int sbx_admin_register(struct sbx *sbx)
{
	return 0;
}

__attribute__((weak)) int simphones_start(struct sbx *sbx)
{
	return 0;
}

__attribute__((weak)) void simphones_stop(struct sbx *sbx)
{
}

static const char usage[] =
        "usage: loftdial-sandbox --listen 127.0.0.1:PORT [options]\n"
        "  --listen ADDR:PORT     where the API listens (port 0 picks a free one)\n"
        "  --seed S               generator seed (default 1)\n"
        "  --people N             people in the org (default 2000)\n"
        "  --users U              users (default 8; user 1 is the team admin)\n"
        "  --accounts A           accounts (default people/10 + 1)\n"
        "  --rate-limit COST|0    cost budget per minute (default 600, 0 = off)\n"
        "  --token-ttl SECONDS    OAuth access-token lifetime (default 7200)\n"
        "  --api-key KEY          accepted Bearer key for user 1 (default " SBX_DEFAULT_API_KEY
        ")\n"
        "  --state FILE           keep the org in this SQLite file (reused when present)\n"
        "  --now ISO-8601         start the clock at this instant (deterministic output)\n"
        "  --sip ADDR:PORT        simulated phones listen here\n"
        "  --client-id ID         OAuth client id (default loftdial-sandbox-client)\n"
        "  --client-secret S      OAuth client secret (default loftdial-sandbox-secret)\n"
        "  --redirect-uri URI     the one accepted redirect (default: any http loopback URI)\n"
        "  --refresh-keeps-access a refresh leaves the replaced access token valid\n"
        "  --webhook-retry-ms MS  pause between webhook delivery attempts (default 15000)\n"
        "  --verbose              log info lines to stderr\n";

/* Parses an unsigned option value. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return EINVAL;
	*out = v;
	return 0;
}

/* Fills opts from argv; returns 0, EINVAL (usage printed), or -1 for --help/--version. */
static int parse_args(int argc, char **argv, struct sbx_opts *o, bool *verbose)
{
	enum {
		O_LISTEN = 256,
		O_SEED,
		O_PEOPLE,
		O_USERS,
		O_ACCOUNTS,
		O_RATE,
		O_TTL,
		O_KEY,
		O_STATE,
		O_NOW,
		O_SIP,
		O_CLIENT_ID,
		O_CLIENT_SECRET,
		O_REDIRECT,
		O_KEEP_ACCESS,
		O_RETRY_MS,
		O_VERBOSE,
		O_HELP,
		O_VERSION
	};
	static const struct option opts[] = {
	        {"listen", required_argument, NULL, O_LISTEN},
	        {"seed", required_argument, NULL, O_SEED},
	        {"people", required_argument, NULL, O_PEOPLE},
	        {"users", required_argument, NULL, O_USERS},
	        {"accounts", required_argument, NULL, O_ACCOUNTS},
	        {"rate-limit", required_argument, NULL, O_RATE},
	        {"token-ttl", required_argument, NULL, O_TTL},
	        {"api-key", required_argument, NULL, O_KEY},
	        {"state", required_argument, NULL, O_STATE},
	        {"now", required_argument, NULL, O_NOW},
	        {"sip", required_argument, NULL, O_SIP},
	        {"client-id", required_argument, NULL, O_CLIENT_ID},
	        {"client-secret", required_argument, NULL, O_CLIENT_SECRET},
	        {"redirect-uri", required_argument, NULL, O_REDIRECT},
	        {"refresh-keeps-access", no_argument, NULL, O_KEEP_ACCESS},
	        {"webhook-retry-ms", required_argument, NULL, O_RETRY_MS},
	        {"verbose", no_argument, NULL, O_VERBOSE},
	        {"help", no_argument, NULL, O_HELP},
	        {"version", no_argument, NULL, O_VERSION},
	        {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1 && !err) {
		switch (c) {
		case O_LISTEN:
			err = snprintf(o->listen, sizeof(o->listen), "%s", optarg) >=
			                      (int)sizeof(o->listen)
			              ? EINVAL
			              : 0;
			break;
		case O_SEED:
			err = parse_uint(optarg, UINT64_MAX, &v);
			o->seed = v;
			break;
		case O_PEOPLE:
			err = parse_uint(optarg, 20000000, &v);
			o->people = (unsigned)v;
			break;
		case O_USERS:
			err = parse_uint(optarg, 100000, &v);
			o->users = (unsigned)v;
			break;
		case O_ACCOUNTS:
			err = parse_uint(optarg, 10000000, &v);
			o->accounts = (unsigned)v;
			break;
		case O_RATE:
			err = parse_uint(optarg, 100000000, &v);
			o->rate_limit = (unsigned)v;
			break;
		case O_TTL:
			err = parse_uint(optarg, 100000000, &v);
			o->token_ttl = (unsigned)v;
			break;
		case O_KEY:
			err = !*optarg || snprintf(o->api_key, sizeof(o->api_key), "%s", optarg) >=
			                              (int)sizeof(o->api_key)
			              ? EINVAL
			              : 0;
			break;
		case O_STATE:
			err = snprintf(o->state, sizeof(o->state), "%s", optarg) >=
			                      (int)sizeof(o->state)
			              ? EINVAL
			              : 0;
			break;
		case O_NOW:
			err = sbx_time_parse(optarg, &o->now_us, NULL);
			break;
		case O_SIP:
			err = snprintf(o->sip, sizeof(o->sip), "%s", optarg) >= (int)sizeof(o->sip)
			              ? EINVAL
			              : 0;
			break;
		case O_CLIENT_ID:
			err = !*optarg || snprintf(o->client_id, sizeof(o->client_id), "%s",
			                           optarg) >= (int)sizeof(o->client_id)
			              ? EINVAL
			              : 0;
			break;
		case O_CLIENT_SECRET:
			err = !*optarg || snprintf(o->client_secret, sizeof(o->client_secret), "%s",
			                           optarg) >= (int)sizeof(o->client_secret)
			              ? EINVAL
			              : 0;
			break;
		case O_REDIRECT:
			err = snprintf(o->redirect_uri, sizeof(o->redirect_uri), "%s", optarg) >=
			                      (int)sizeof(o->redirect_uri)
			              ? EINVAL
			              : 0;
			break;
		case O_KEEP_ACCESS:
			o->refresh_keeps_access = true;
			break;
		case O_RETRY_MS:
			err = parse_uint(optarg, 3600000, &v);
			o->webhook_retry_ms = (unsigned)v;
			break;
		case O_VERBOSE:
			*verbose = true;
			break;
		case O_HELP:
			fputs(usage, stdout);
			return -1;
		case O_VERSION:
			printf("loftdial-sandbox %s\n", LOFTDIAL_VERSION);
			return -1;
		default:
			err = EINVAL;
			break;
		}
	}
	if (!err && optind < argc)
		err = EINVAL;
	if (err)
		fprintf(stderr, "loftdial-sandbox: bad option value\n%s", usage);
	return err;
}

/* SIGINT/SIGTERM: leave the loop and exit 0. */
static void on_signal(int sig, void *arg)
{
	if (sig == SIGINT || sig == SIGTERM)
		loop_quit(0);
}

int main(int argc, char **argv)
{
	struct sbx_opts opts;
	struct sbx *sbx = NULL;
	bool verbose = false, phones = false;
	int err, code = 1;

	sbx_opts_default(&opts);
	err = parse_args(argc, argv, &opts, &verbose);
	if (err)
		return err < 0 ? 0 : 2;
	log_set_stderr(verbose ? LOG_INFO : LOG_WARN);
	log_add_secret(opts.api_key);
	if (opts.client_secret[0])
		log_add_secret(opts.client_secret);
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial-sandbox: loop: %s\n", strerror(err));
		goto out;
	}
	loop_on_signal(on_signal, NULL);
	err = sbx_open(&sbx, &opts);
	if (err) {
		fprintf(stderr, "loftdial-sandbox: cannot start: %s\n", strerror(err));
		goto out;
	}
	err = sbx_auth_register(sbx);
	if (!err)
		err = sbx_writes_register(sbx);
	if (!err)
		err = sbx_webhooks_register(sbx);
	if (!err)
		err = sbx_admin_register(sbx);
	if (!err && opts.sip[0]) {
		err = simphones_start(sbx);
		phones = !err;
	}
	if (err) {
		fprintf(stderr, "loftdial-sandbox: a module failed to start: %s\n", strerror(err));
		goto out;
	}
	printf("sandbox ready api=%s\n", sbx->base_url);
	fflush(stdout);
	code = loop_run();
out:
	if (phones)
		simphones_stop(sbx);
	sbx_close(sbx);
	loop_close();
	return code;
}
