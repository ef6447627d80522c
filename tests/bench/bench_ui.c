/*
 * bench_ui: how fast the terminal UI answers with a big store. For each size (default 100000
 * and 1000000 people) it fills a store file, then measures
 *   - the time to first frame: the real loftdial (no arguments) started in a pseudo-terminal
 *     of 80x24 until Home has drawn its object table, then quit with q;
 *   - the contact search per keystroke: contacts_search() called the way the Contacts screen
 *     calls it (200 rows), once per prefix of what a user types, for a frequent first name, a
 *     full name, a company, a title, phone digits, an e-mail and a word nobody has.
 * Prints figures; never fails on speed (targets: first frame <= 150 ms, search <= 20 ms per
 * keystroke at 1M). Usage: bench_ui [FOLDER [N...]]. A store in FOLDER that already holds N
 * people is reused, so a second run skips the fill. LOFTDIAL_BIN names the program to start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/contacts.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "testlib.h"

/* First names with the skew of a real list: the first is shared by about 1 person in 25. */
static const char *const firsts[] = {
        "James", "Mary",   "John",  "Patricia", "Robert",  "Jennifer", "Michael", "Linda",
        "David", "Sarah",  "Ann",   "Anna",     "Annabel", "José",     "Zoë",     "Mohammed",
        "Li",    "Olga",   "Ngozi", "Søren",    "Priya",   "Juan",     "Ольга",   "山田",
        "Ahmed", "Fatima", "Wei",   "Yuki",     "Lars",    "Chloé",    "Kwame",   "Aisha",
};
static const char *const lasts[] = {"Smith",    "Johnson", "Williams", "Brown",    "Jones",
                                    "García",   "Miller",  "Davis",    "Müller",   "O'Brien",
                                    "Nakamura", "Ivanova", "Okafor",   "Kowalski", "Dubois",
                                    "Rossi",    "Nguyen",  "Kim",      "Patel",    "Wilson"};
static const char *const titles[] = {"Head of Sales", "VP Procurement", "CTO", "Account Executive",
                                     "Operations Manager"};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process: what a keystroke costs without the other loads of the machine. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Picks a first name: index 0 about 4% of the time, then a long flat tail. */
static const char *first_of(long i)
{
	unsigned long h = (unsigned long)i * 2654435761UL;

	if (h % 25 == 0)
		return firsts[0];
	return firsts[1 + (h >> 8) % (sizeof(firsts) / sizeof(firsts[0]) - 1)];
}

/* Fills the store with n people through one prepared INSERT (the triggers index them). A
 * bench may write the tables directly: going through records_upsert() would make the fill
 * take many minutes at 1M for no difference in what is measured. */
static int fill(struct store *st, long n)
{
	static const char sql[] =
	        "INSERT INTO sl_people (id, created_at, updated_at, updated_us, synced_at, raw, "
	        "first_name, last_name, display_name, email, title, company, phone, locale, "
	        "locale_utc_offset, do_not_contact, contact_restrictions, owner_id, account_id) "
	        "VALUES (?1, '2024-03-07T02:46:00Z', '2024-03-07T02:46:00Z', ?1, 0, ?2, ?3, ?4, "
	        "?5, ?6, ?7, ?8, ?9, 'America/New_York', -300, ?10, '[]', 51550, NULL)";
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *stmt = NULL;
	char raw[1024], last[64], display[128], email[128], company[64], phone[64];
	long i;
	int rc = SQLITE_OK;

	sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return EIO;
	for (i = 1; i <= n && rc == SQLITE_OK; i++) {
		const char *first = first_of(i);

		if (i % 20000 == 1)
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		(void)text_printf(last, sizeof(last), "%s", lasts[(i / 7) % 20]);
		if (i % 3 == 0)
			(void)text_printf(last, sizeof(last), "%s-%ld", lasts[(i / 7) % 20],
			                  i % 9973);
		(void)text_printf(display, sizeof(display), "%s %s", first, last);
		(void)text_printf(email, sizeof(email), "person%ld@example%ld.com", i, i % 997);
		(void)text_printf(company, sizeof(company), "Company %ld", i % 20000);
		(void)text_printf(phone, sizeof(phone), "+1 (%03ld) %03ld-%04ld", 200 + i % 800,
		                  i / 10000 % 1000, i % 10000);
		/* A raw record about the size of a real /v2/people one, so scans cost what
		 * they would. */
		(void)text_printf(
		        raw, sizeof(raw),
		        "{\"id\":%ld,\"first_name\":\"%s\",\"display_name\":\"%s\","
		        "\"email_address\":\"%s\",\"phone\":\"%s\",\"title\":\"%s\","
		        "\"person_company_name\":\"%s\",\"locale\":\"America/New_York\","
		        "\"custom_fields\":{},\"tags\":[],\"counts\":{\"emails_sent\":%ld,"
		        "\"calls\":%ld},\"owner\":{\"id\":51550,\"_href\":\"https://api."
		        "salesloft.com/v2/users/51550\"},\"last_contacted_at\":null,"
		        "\"personal_website\":null,\"twitter_handle\":null,"
		        "\"linkedin_url\":\"https://www.linkedin.com/in/person-%ld\"}",
		        i, first, display, email, phone, titles[i % 5], company, i % 40, i % 12, i);
		sqlite3_bind_int64(stmt, 1, i);
		sqlite3_bind_text(stmt, 2, raw, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, first, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, last, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, display, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 6, email, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 7, titles[i % 5], -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 8, company, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 9, phone, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 10, i % 50 == 0);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(stmt);
		if (i % 20000 == 0 || i == n)
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "fill: %s\n", sqlite3_errmsg(db));
		return EIO;
	}
	return 0;
}

/* Opens FOLDER/loftdial.db with n people in it, filling it when it holds another number. */
static struct store *prepare(const char *dir, long n)
{
	char path[700];
	struct store *st = NULL;
	int64_t have = 0;
	double t0;

	(void)text_printf(path, sizeof(path), "%s/loftdial.db", dir);
	if (store_open(&st, path) == 0 && records_count(st, STORE_PEOPLE, true, &have) == 0 &&
	    have == n)
		return st;
	if (st)
		store_close(st);
	remove(path);
	if (store_open(&st, path)) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	t0 = now_ms();
	if (fill(st, n)) {
		store_close(st);
		return NULL;
	}
	printf("  filled %ld people in %.1f s\n", n, (now_ms() - t0) / 1e3);
	return st;
}

/* Reads what the child wrote into buf (keeping the tail when it fills) until it holds
 * marker or the deadline passes; returns the time it was seen or -1. */
static double wait_for(int fd, char *buf, size_t cap, size_t *len, const char *marker,
                       double deadline)
{
	while (now_ms() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t got;

		if (memmem(buf, *len, marker, strlen(marker)))
			return now_ms();
		if (poll(&p, 1, 50) <= 0)
			continue;
		if (*len + 4096 > cap) {
			memmove(buf, buf + *len - 1024, 1024);
			*len = 1024;
		}
		got = read(fd, buf + *len, cap - *len);
		if (got <= 0)
			return -1;
		*len += (size_t)got;
	}
	return -1;
}

/* Starts loftdial in an 80x24 pseudo-terminal with LOFTDIAL_HOME=dir; returns the ms until
 * Home's object table was drawn (-1 on failure) and quits it. */
static double first_frame(const char *bin, const char *dir)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	static char buf[1 << 16];
	size_t len = 0;
	double t0, seen;
	pid_t pid;
	int fd, status, i;

	t0 = now_ms();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("LOFTDIAL_HOME", dir, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("TZ", "UTC", 1);
		unsetenv("NO_COLOR");
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	/* The object table's last row is drawn with the rest of the first frame. */
	seen = wait_for(fd, buf, sizeof(buf), &len, "emails", t0 + 20000);
	if (write(fd, "q", 1) != 1)
		seen = -1;
	for (i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++) {
		char drain[4096];

		if (read(fd, drain, sizeof(drain)) < 0 && errno != EAGAIN && errno != EINTR)
			usleep(50000);
	}
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		seen = -1;
	}
	close(fd);
	return seen < 0 ? -1 : seen - t0;
}

static int count_hit(const struct contact *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

/* Bytes this process has read so far (rchar: SQLite's page reads, from the page cache or
 * the disk), or 0 when /proc cannot tell. */
static double read_bytes(void)
{
	char line[128];
	double v = 0;
	FILE *f = fopen("/proc/self/io", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %lf", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Types text one byte at a time (as the screen searches after each keystroke) and prints
 * the slowest and the mean keystroke (wall clock and CPU), the kB read per keystroke, with
 * the hits of the whole text. */
static int typing(struct store *st, const char *text)
{
	char prefix[128];
	double worst = 0, sum = 0, cpu = 0, cpu_worst = 0, rd = 0, t0, c0, r0, t, c;
	size_t i, n = strlen(text), keys = 0;
	int hits = 0;

	for (i = 1; i <= n && i < sizeof(prefix); i++) {
		(void)text_copy(prefix, i + 1, text);
		hits = 0;
		r0 = read_bytes();
		c0 = cpu_ms();
		t0 = now_ms();
		if (contacts_search(st, prefix, 200, count_hit, &hits))
			return 1;
		t = now_ms() - t0;
		c = cpu_ms() - c0;
		rd += read_bytes() - r0;
		cpu += c;
		cpu_worst = c > cpu_worst ? c : cpu_worst;
		sum += t;
		worst = t > worst ? t : worst;
		keys++;
	}
	printf("  search %-18s %3d hits  worst %6.2f ms  mean %6.2f ms  cpu worst %5.2f ms  "
	       "mean %5.2f ms  read %5.0f kB/key\n",
	       text, hits, worst, sum / (double)keys, cpu_worst, cpu / (double)keys,
	       rd / 1024 / (double)keys);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const typed[] = {
	        "james",          "ann",       "anna smith", "mohammed garcia", "company 1234",
	        "vp procurement", "(212) 001", "2120015",    "person123456",    "ольга",
	        "zzzzzz",         "j s",
	};
	const char *bin = getenv("LOFTDIAL_BIN");
	long sizes[8] = {100000, 1000000};
	size_t nsizes = 2, i, q;
	char dir[512], sub[600];
	bool keep = argc > 1;

	if (!bin)
		bin = LD_LOFTDIAL_BIN;
	if (argc > 2) {
		for (nsizes = 0; nsizes + 2 < (size_t)argc && nsizes < 8; nsizes++)
			sizes[nsizes] = atol(argv[nsizes + 2]);
	}
	if (keep)
		(void)text_copy(dir, sizeof(dir), argv[1]);
	else if (tl_tmpdir(dir, sizeof(dir), "ld-bench-ui"))
		return 1;
	for (i = 0; i < nsizes; i++) {
		struct store *st;
		double ff[5];
		int r;

		(void)text_printf(sub, sizeof(sub), "%s/%ld", dir, sizes[i]);
		mkdir(dir, 0700);
		mkdir(sub, 0700);
		printf("%ld people (%s)\n", sizes[i], sub);
		fflush(stdout);
		st = prepare(sub, sizes[i]);
		if (!st)
			return 1;
		for (q = 0; q < sizeof(typed) / sizeof(typed[0]); q++)
			if (typing(st, typed[q]))
				return 1;
		store_close(st);
		for (r = 0; r < 5; r++)
			ff[r] = first_frame(bin, sub);
		printf("  first frame (80x24, Home drawn): %.0f %.0f %.0f %.0f %.0f ms\n", ff[0],
		       ff[1], ff[2], ff[3], ff[4]);
		fflush(stdout);
	}
	if (!keep)
		tl_rmrf(dir);
	return 0;
}
