/*
 * synctest: homes, loftdial runs and store reads for the sync integration tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "synctest.h"

/* Tests run with a 2-second rate window and short backoffs so waits stay small. */
static const char base_config[] = "salesloft.rate_window 2\n"
                                  "salesloft.timeout 10\n"
                                  "log.level debug\n";

int st_home_new(struct st_home *h, const struct sbxt *s, const char *lines)
{
	char path[700];
	FILE *f;
	int err;

	memset(h, 0, sizeof(*h));
	h->sbx = s;
	err = tl_tmpdir(h->dir, sizeof(h->dir), "loftdial-sync");
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/config", h->dir);
	f = fopen(path, "w");
	if (!f)
		return errno;
	fputs(base_config, f);
	if (lines)
		fputs(lines, f);
	fclose(f);
	snprintf(h->env_home, sizeof(h->env_home), "LOFTDIAL_HOME=%s", h->dir);
	snprintf(h->env_api, sizeof(h->env_api), "LOFTDIAL_API_URL=%s", s->base);
	snprintf(h->env_acc, sizeof(h->env_acc), "LOFTDIAL_ACCOUNTS_URL=%s", s->base);
	snprintf(h->env_key, sizeof(h->env_key), "LOFTDIAL_API_KEY=%s", SBXT_API_KEY);
	return 0;
}

void st_home_free(struct st_home *h)
{
	if (h->dir[0] && !getenv("LOFTDIAL_KEEP_TMP"))
		tl_rmrf(h->dir);
}

/* Builds argv (loftdial + the varargs) and env. */
static void build(struct st_home *h, bool with_key, va_list ap, char **argv, size_t max, char **env)
{
	size_t n = 0;
	const char *a;

	argv[n++] = (char *)tl_env("LOFTDIAL_BIN", "loftdial");
	while ((a = va_arg(ap, const char *)) != NULL && n < max - 1)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	n = 0;
	env[n++] = h->env_home;
	env[n++] = h->env_api;
	env[n++] = h->env_acc;
	if (with_key)
		env[n++] = h->env_key;
	env[n++] = "TERM=dumb";
	env[n] = NULL;
}

int st_loftdial(struct st_home *h, bool with_key, char *out, size_t n, int timeout_ms, ...)
{
	char *argv[32], *env[8];
	va_list ap;

	va_start(ap, timeout_ms);
	build(h, with_key, ap, argv, 32, env);
	va_end(ap);
	return tl_run(argv, env, out, n, timeout_ms);
}

int st_spawn(struct st_home *h, bool with_key, struct tl_proc *p, int *stdin_fd, ...)
{
	char *argv[32], *env[8];
	int in[2], out[2];
	va_list ap;
	pid_t pid;
	size_t i;

	va_start(ap, stdin_fd);
	build(h, with_key, ap, argv, 32, env);
	va_end(ap);
	memset(p, 0, sizeof(*p));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		setpgid(0, 0);
		for (i = 0; env[i]; i++)
			putenv(env[i]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->out_fd = out[0];
	if (stdin_fd)
		*stdin_fd = in[1];
	else
		close(in[1]);
	return 0;
}

sqlite3 *st_db(const struct st_home *h)
{
	char path[700];
	sqlite3 *db = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/loftdial.db", h->dir);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		/* Rare under load in CI-like runs and not yet explained: say what the open met and
		 * what the home holds, so the next failure explains itself. */
		int e = errno;
		DIR *d = opendir(h->dir);
		struct dirent *de;

		fprintf(stderr, "# st_db: %s: %s (rc %d, errno %s)\n# st_db: the home holds:", path,
		        db ? sqlite3_errmsg(db) : "no handle", rc, strerror(e));
		while (d && (de = readdir(d)) != NULL)
			fprintf(stderr, " %s", de->d_name);
		fprintf(stderr, "%s\n", d ? "" : " (cannot list it)");
		if (d)
			closedir(d);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

int64_t st_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

cJSON *st_row_json(sqlite3 *db, const char *table, int64_t id)
{
	char sql[128];
	sqlite3_stmt *stmt = NULL;
	cJSON *j = NULL;

	snprintf(sql, sizeof(sql), "SELECT raw FROM %s WHERE id = ?1", table);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			j = cJSON_Parse((const char *)sqlite3_column_text(stmt, 0));
	}
	sqlite3_finalize(stmt);
	return j;
}

long st_remote_count(struct sbxt *s, const char *path)
{
	char p[256];
	cJSON *j = NULL;
	long n = -1;

	snprintf(p, sizeof(p), "%s%cper_page=1&include_paging_counts=true", path,
	         strchr(path, '?') ? '&' : '?');
	if (sbxt_api(s, SBXT_API_KEY, "GET", p, NULL, &j) == 200) {
		const cJSON *paging =
		        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"), "paging");

		n = paging ? (long)sbxt_num(paging, "total_count")
		           : cJSON_GetArraySize(sbxt_data(j));
	}
	cJSON_Delete(j);
	return n;
}

double st_counter(struct sbxt *s, const char *name)
{
	cJSON *j = NULL;
	double v = -1;

	if (sbxt_admin(s, "GET", "/_sandbox/counters", NULL, &j) == 200)
		v = sbxt_num(j, name);
	cJSON_Delete(j);
	return v;
}

static const char *const objects[] = {
        "users", "accounts",          "people",          "cadences", "cadence_memberships",
        "steps", "call_dispositions", "call_sentiments", "calls",    "emails",
        NULL};

bool st_same_store(struct st_home *a, struct st_home *b)
{
	const char *tables[] = {"sl_users",
	                        "sl_accounts",
	                        "sl_people",
	                        "sl_cadences",
	                        "sl_cadence_memberships",
	                        "sl_steps",
	                        "sl_call_dispositions",
	                        "sl_call_sentiments",
	                        "sl_calls",
	                        "sl_emails"};
	sqlite3 *da = st_db(a), *db = st_db(b);
	bool same = da && db;
	size_t i;

	for (i = 0; same && objects[i]; i++) {
		char sql[256];
		sqlite3_stmt *sa = NULL, *sb = NULL;
		int ra, rb;

		/* Everything a sync decides: the record, whether it is deleted. */
		snprintf(sql, sizeof(sql), "SELECT id, raw, is_deleted FROM %s ORDER BY id",
		         tables[i]);
		sqlite3_prepare_v2(da, sql, -1, &sa, NULL);
		sqlite3_prepare_v2(db, sql, -1, &sb, NULL);
		for (;;) {
			ra = sqlite3_step(sa);
			rb = sqlite3_step(sb);
			if (ra != rb) {
				fprintf(stderr, "%s: row counts differ\n", objects[i]);
				same = false;
				break;
			}
			if (ra != SQLITE_ROW)
				break;
			if (sqlite3_column_int64(sa, 0) != sqlite3_column_int64(sb, 0) ||
			    sqlite3_column_int(sa, 2) != sqlite3_column_int(sb, 2) ||
			    strcmp((const char *)sqlite3_column_text(sa, 1),
			           (const char *)sqlite3_column_text(sb, 1))) {
				fprintf(stderr, "%s: row %lld differs\n", objects[i],
				        (long long)sqlite3_column_int64(sa, 0));
				same = false;
				break;
			}
		}
		sqlite3_finalize(sa);
		sqlite3_finalize(sb);
	}
	sqlite3_close(da);
	sqlite3_close(db);
	return same;
}

void st_oauth_config(char *out, size_t n, int port)
{
	snprintf(out, n,
	         "salesloft.client_id loftdial-sandbox-client\n"
	         "salesloft.client_secret loftdial-sandbox-secret\n"
	         "salesloft.redirect_uri http://127.0.0.1:%d/callback\n",
	         port);
}

int st_consent(const char *authorize_url, const char *decision, char *loc, size_t n)
{
	char url[8192];
	struct sbxt_resp r;
	int err = 0;

	/* The consent form posts its hidden fields back; the sandbox also reads them from the
	 * query, so the authorize URL plus the decision is the form. */
	if (snprintf(url, sizeof(url), "%s&decision=%s&user_id=1", authorize_url, decision) >=
	    (int)sizeof(url))
		return E2BIG;
	sbxt_http(&r, "POST", url, NULL, "");
	if (r.status != 302 || !sbxt_header(&r, "Location", loc, n))
		err = EPROTO;
	sbxt_resp_free(&r);
	return err;
}

int st_wait_authorize_url(struct tl_proc *p, char *url, size_t n)
{
	char line[4096], *s;
	int err = tl_wait_line(p, "/oauth/authorize?", 30000, line, sizeof(line));

	if (err)
		return err;
	s = line + strspn(line, " \t");
	s[strcspn(s, " \t\r\n")] = '\0';
	snprintf(url, n, "%s", s);
	return 0;
}

int st_oauth_connect(struct st_home *h, char *out, size_t n)
{
	char url[4096], loc[4096], line[4200];
	struct tl_proc p;
	int in = -1, err, st;

	err = st_spawn(h, false, &p, &in, "connect", "--paste", NULL);
	if (err)
		return err;
	err = st_wait_authorize_url(&p, url, sizeof(url));
	if (!err)
		err = st_consent(url, "approve", loc, sizeof(loc));
	if (!err) {
		snprintf(line, sizeof(line), "%s\n", loc);
		if (write(in, line, strlen(line)) != (ssize_t)strlen(line))
			err = EIO;
	}
	if (!err)
		err = tl_wait_line(&p, "Connected to Salesloft as", 30000, line, sizeof(line));
	close(in);
	if (out)
		snprintf(out, n, "%s", err ? p.buf : line);
	/* It exits by itself once connected; a signal now would race with that. */
	st = -1;
	if (!err) {
		unsigned long long end = tl_now_ms() + 20000;

		while (tl_now_ms() < end && waitpid(p.pid, &st, WNOHANG) != p.pid) {
			st = -1;
			(void)tl_wait_line(&p, "\x01", 20, NULL, 0);
		}
		if (st != -1)
			p.pid = 0;
	}
	if (p.pid)
		st = tl_stop(&p, SIGTERM, 10000);
	else if (p.out_fd >= 0)
		close(p.out_fd);
	if (!err && (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
		err = EPROTO;
	return err;
}

int st_wait_exit(struct tl_proc *p, int timeout_ms)
{
	unsigned long long end = tl_now_ms() + (unsigned long long)timeout_ms;
	int st;

	while (tl_now_ms() < end) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = 0;
			if (p->out_fd >= 0)
				close(p->out_fd);
			p->out_fd = -1;
			return st;
		}
		(void)tl_wait_line(p, "\x01", 20, NULL, 0);
	}
	tl_stop(p, SIGKILL, 1000);
	return -1;
}

int st_setup_failed(struct sbxt *s)
{
	if (s->proc.pid > 0)
		tl_stop(&s->proc, SIGKILL, 5000);
	return -1;
}
