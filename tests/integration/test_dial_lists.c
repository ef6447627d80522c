/*
 * test_dial_lists: `loftdial dial --cadence ID` and `--tasks` end to end, headless, on 3
 * lines: the list read live from a real sandbox, dialled through real baresip engines against
 * the sandbox's simulated phones (a behaviour mix dealt by call: people, machines, busy,
 * no answer, invalid numbers), every ended attempt given a record (an outbox item, or a line
 * saying why it is not logged), and every outbox item posted by the sender: the sandbox then
 * has each call exactly once, with its action or task completed. Each action entry carries
 * the call instructions set in the sandbox, drawn clean in the JSON and in the text output.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/syncsess.h"
#include "loftdial/text.h"
#include "listdialtest.h"

#define OUT_MAX (512 * 1024)
#define RUN_MS  240000

static struct ldt T;
static char out[OUT_MAX];

static int setup(void **state)
{
	/* Answers and ring-outs come fast; people, machines and the rest dealt by call. */
	return ldt_setup(&T, "{\"seed\":3,\"order\":\"call\",\"kinds\":{"
	                     "\"human\":{\"share\":30,\"ring_ms\":300,\"greeting_ms\":[300,800]},"
	                     "\"voicemail\":{\"share\":15,\"ring_ms\":300},"
	                     "\"busy\":{\"share\":20},\"invalid\":{\"share\":15},"
	                     "\"no-answer\":{\"share\":20}}}");
}

static int teardown(void **state)
{
	return ldt_teardown(&T);
}

/* Counts the sandbox's calls for person that name action (or, with action 0, any). */
static int calls_for(int64_t person, int64_t action)
{
	char path[200];
	cJSON *o = NULL, *c;
	int n = 0;

	snprintf(path, sizeof(path), "/v2/activities/calls?person_id=%lld&per_page=100",
	         (long long)person);
	assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &o), 200);
	cJSON_ArrayForEach(c, sbxt_data(o))
	{
		const cJSON *a = cJSON_GetObjectItem(c, "action");

		if (!action || (a && (int64_t)sbxt_num(a, "id") == action))
			n++;
	}
	cJSON_Delete(o);
	return n;
}

/* Call instructions a careless or hostile cadence author could write: an OSC title, a clear
 * screen, CR LF, a bidi override, a C1 CSI. */
static const char instr_hostile[] = "Ask for Jo\x1b]0;pwn\x07\x1b[2J first.\r\nThen the "
                                    "budget \xe2\x80\xae owner \xc2\x9b"
                                    "31m end";

/* Sets the call instructions of every due phone action of the cadence (the records their
 * action_details references name) through the sandbox's admin route; returns how many. */
static unsigned set_instructions(const char *cadence, const char *text)
{
	char path[200];
	cJSON *o = NULL, *a, *body = cJSON_CreateObject();
	unsigned n = 0;
	char *json;

	assert_non_null(body);
	cJSON_AddStringToObject(body, "instructions", text);
	json = cJSON_PrintUnformatted(body);
	assert_non_null(json);
	snprintf(path, sizeof(path), "/v2/actions?cadence_id=%s&type=phone&per_page=100", cadence);
	assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &o), 200);
	cJSON_ArrayForEach(a, sbxt_data(o))
	{
		double ref = sbxt_num(cJSON_GetObjectItem(a, "action_details"), "id");

		if (ref <= 0)
			continue;
		snprintf(path, sizeof(path), "/_sandbox/call_instructions/%.0f", ref);
		assert_int_equal(sbxt_admin(&T.sbx, "PUT", path, json, NULL), 200);
		n++;
	}
	cJSON_Delete(o);
	cJSON_Delete(body);
	free(json);
	return n;
}

/* Runs one list and checks every attempt's record against the outbox and the sandbox; with
 * instr, every action entry to dial has those instructions, drawn clean (lines kept). */
static void run_list(const char *what, const char *id, const char *instr)
{
	char clean[1024];
	unsigned with_instr = 0;
	struct st_home h;
	char *line, *save = NULL;
	unsigned entries = 0, dialable = 0, ended = 0, records = 0, written = 0, connected = 0;
	unsigned ended_ids[256], recorded[256], nended = 0, nrec = 0, i, j;
	int rc;
	sqlite3 *db;
	cJSON *summary = NULL;

	assert_int_equal(ldt_home(&T, &h), 0);
	/* The team's names come live from the sandbox when the session starts. */
	if (id)
		rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", what, id, "--lines",
		                 "3", "--json", "--talk", "1", "--disposition", "connected",
		                 "--sentiment", "Positive", "--notes", "spoke to them", NULL);
	else
		rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", what, "--lines", "3",
		                 "--json", "--talk", "1", "--disposition", "connected",
		                 "--sentiment", "Positive", "--notes", "spoke to them", NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	db = st_db(&h);
	assert_non_null(db);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = sbxt_str(o, "event");

		if (!o)
			continue;
		if (!strcmp(ev, "entry")) {
			entries++;
			dialable += !strcmp(sbxt_str(o, "skip"), "dial");
			if (strcmp(sbxt_str(o, "skip"), "dial"))
				assert_true(sbxt_str(o, "reason")[0] != '\0');
			else if (instr && sbxt_num(o, "action_id") > 0) {
				text_sanitize_lines(clean, sizeof(clean), instr, false);
				assert_string_equal(sbxt_str(o, "instructions"), clean);
				with_instr++;
			}
		} else if (!strcmp(ev, "ended")) {
			assert_true(nended < 256);
			ended_ids[nended++] = (unsigned)sbxt_num(o, "attempt");
			ended++;
			connected += !strcmp(sbxt_str(o, "outcome"), "connected");
		} else if (!strcmp(ev, "record")) {
			int64_t item = (int64_t)sbxt_num(o, "outbox_id");
			int64_t action = (int64_t)sbxt_num(o, "action_id");
			int64_t task = (int64_t)sbxt_num(o, "task_id");
			int64_t person = (int64_t)sbxt_num(o, "person_id");
			char sql[300], key[64];

			assert_true(nrec < 256);
			recorded[nrec++] = (unsigned)sbxt_num(o, "attempt");
			records++;
			assert_true((action > 0) != (task > 0));
			if (item <= 0) {
				assert_string_equal(sbxt_str(o, "kind"), "not_logged");
				cJSON_Delete(o);
				continue;
			}
			written++;
			/* The outbox item: kind call, keyed by the action or the task, sent. */
			snprintf(key, sizeof(key), "%s:%lld", action > 0 ? "action" : "task",
			         (long long)(action > 0 ? action : task));
			snprintf(sql, sizeof(sql),
			         "SELECT count(*) FROM outbox WHERE id = %lld AND "
			         "kind = 'call' AND dedupe_key = '%s' AND state = 'sent'",
			         (long long)item, key);
			assert_int_equal(st_int(db, sql), 1);
			/* In the sandbox exactly once, with the action or task completed. */
			if (action > 0) {
				char path[80];

				assert_int_equal(calls_for(person, action), 1);
				snprintf(path, sizeof(path), "/v2/actions/%lld", (long long)action);
				assert_int_equal(
				        sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, NULL),
				        404);
			} else {
				char path[80];
				cJSON *t = NULL;

				snprintf(path, sizeof(path), "/v2/tasks/%lld", (long long)task);
				assert_int_equal(
				        sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &t), 200);
				assert_string_equal(sbxt_str(sbxt_data(t), "current_state"),
				                    "completed");
				cJSON_Delete(t);
			}
		} else if (!strcmp(ev, "records")) {
			cJSON_Delete(summary);
			summary = o;
			continue;
		}
		cJSON_Delete(o);
	}
	printf("FIGURE %s: %u entries, %u to dial, %u attempts (%u connected), %u records "
	       "written\n",
	       what, entries, dialable, ended, connected, written);
	assert_true(dialable >= 1);
	assert_true(ended >= 1);
	if (instr)
		assert_int_equal(with_instr, dialable);
	/* Every ended attempt has exactly one record line. */
	assert_int_equal(records, ended);
	for (i = 0; i < nended; i++) {
		unsigned seen = 0;

		for (j = 0; j < nrec; j++)
			seen += recorded[j] == ended_ids[i];
		assert_int_equal(seen, 1);
	}
	assert_true(written >= 1);
	assert_non_null(summary);
	assert_int_equal(sbxt_num(summary, "written"), written);
	assert_int_equal(sbxt_num(summary, "outbox_queued"), 0);
	assert_int_equal(sbxt_num(summary, "outbox_failed"), 0);
	/* Every attempt is in the store too. */
	assert_int_equal(st_int(db, "SELECT count(*) FROM dial_attempts"), ended);
	cJSON_Delete(summary);
	sqlite3_close(db);
	st_home_free(&h);
}

static void test_cadence(void **state)
{
	assert_true(set_instructions("1200", instr_hostile) >= 1);
	run_list("--cadence", "1200", instr_hostile);
}

static void test_tasks(void **state)
{
	run_list("--tasks", NULL, NULL);
}

/* The text output: each action entry to dial is followed by its instructions on one line,
 * drawn clean; no escape byte anywhere in the output. The earlier runs dialled every due
 * action, so the list is one made due for it: a copy of the next step's action of a person
 * test_cadence reached, due in the past, naming call instructions of its own. */
static void test_text_instructions(void **state)
{
	struct st_home h;
	char want[1024], body[512], *line, *save = NULL, *json;
	bool after_entry = false;
	unsigned entries = 0, shown = 0;
	cJSON *o = NULL, *a, *in;
	int rc;

	assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET",
	                          "/v2/actions?cadence_id=1200&type=phone&per_page=1", NULL, &o),
	                 200);
	a = cJSON_GetArrayItem(sbxt_data(o), 0);
	assert_non_null(a);
	snprintf(body, sizeof(body),
	         "{\"type\":\"phone\",\"status\":\"in_progress\",\"due\":true,"
	         "\"due_on\":\"2020-01-01T09:00:00.000000-05:00\",\"person\":{\"id\":%.0f},"
	         "\"user\":{\"id\":%.0f},\"cadence\":{\"id\":1200},\"step\":{\"id\":%.0f},"
	         "\"task\":null,\"action_details\":{\"id\":990100}}",
	         sbxt_num(cJSON_GetObjectItem(a, "person"), "id"),
	         sbxt_num(cJSON_GetObjectItem(a, "user"), "id"),
	         sbxt_num(cJSON_GetObjectItem(a, "step"), "id"));
	cJSON_Delete(o);
	assert_int_equal(sbxt_admin(&T.sbx, "POST", "/_sandbox/records/actions", body, NULL), 200);
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "instructions", instr_hostile);
	json = cJSON_PrintUnformatted(in);
	assert_int_equal(
	        sbxt_admin(&T.sbx, "PUT", "/_sandbox/call_instructions/990100", json, NULL), 200);
	free(json);
	cJSON_Delete(in);

	text_sanitize(want, sizeof(want), instr_hostile, false);
	assert_int_equal(ldt_home(&T, &h), 0);
	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--cadence", "1200", "--lines",
	                 "1", "--talk", "1", "--disposition", "connected", "--sentiment",
	                 "Positive", NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	assert_null(strchr(out, '\x1b'));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "  instructions: ", 16)) {
			assert_true(after_entry);
			assert_string_equal(line + 16, want);
			shown++;
		}
		after_entry = !strncmp(line, "entry ", 6) && strstr(line, ": action ") &&
		              !strstr(line, "skipped");
		entries += after_entry;
	}
	printf("FIGURE text output: %u action entries to dial, %u with instructions\n", entries,
	       shown);
	assert_int_equal(entries, 1);
	assert_int_equal(shown, 1);
	st_home_free(&h);
}

/* Another loftdial (the TUI) holds the outbox lock: the dial run dials and writes its records
 * but leaves sending them to that process, so no record is ever in two senders' hands; once
 * the lock is free, outbox flush sends every record once. */
static void test_sender_lock(void **state)
{
	struct st_home h;
	int lock = -1, rc;
	int64_t queued;
	char now[32];
	time_t t = time(NULL);
	sqlite3 *db;

	/* The call tasks test_tasks left because they were outside calling hours: ten hours on,
	 * most of them are inside (the run must have something to dial). */
	snprintf(now, sizeof(now), "%lld", (long long)(t + 10 * 3600));
	setenv("LOFTDIAL_TEST_NOW", now, 1);
	assert_int_equal(ldt_home(&T, &h), 0);
	assert_int_equal(syncsess_flock(h.dir, SYNCSESS_OUTBOX_LOCK, &lock), 0);
	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--tasks", "--lines", "3",
	                 "--json", "--talk", "1", "--disposition", "connected", "--sentiment",
	                 "Positive", NULL);
	syncsess_unlock(lock);
	unsetenv("LOFTDIAL_TEST_NOW");
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	if (!strstr(out, "is sending the outbox"))
		fprintf(stderr, "%s\n", out);
	assert_non_null(strstr(out, "is sending the outbox"));
	db = st_db(&h);
	assert_non_null(db);
	queued = st_int(db, "SELECT count(*) FROM outbox WHERE state = 'queued'");
	assert_true(queued > 0);
	assert_int_equal(st_int(db, "SELECT count(*) FROM outbox WHERE state = 'sent'"), 0);
	sqlite3_close(db);
	assert_int_equal(st_loftdial(&h, true, out, sizeof(out), RUN_MS, "outbox", "flush", NULL),
	                 0);
	db = st_db(&h);
	assert_non_null(db);
	assert_int_equal(st_int(db, "SELECT count(*) FROM outbox WHERE state = 'sent'"), queued);
	assert_int_equal(st_int(db, "SELECT count(*) FROM outbox WHERE state != 'sent'"), 0);
	sqlite3_close(db);
	st_home_free(&h);
}

/* --ask: each connected call waits for the rep's wrap-up on stdin; an unknown disposition is
 * refused and asked again; the record carries the team's spelling, the sentiment and notes. */
static void test_ask(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char line[4096];
	int in = -1, st;
	unsigned asks = 0, refused = 0, connected_records = 0;
	bool done = false;
	int64_t person = 0, action = 0;

	/* Everyone answers: every dialled entry is a connected call. */
	assert_int_equal(sbxt_admin(&T.sbx, "PUT", "/_sandbox/phones/mix",
	                            "{\"seed\":4,\"order\":\"call\",\"kinds\":{\"human\":{"
	                            "\"share\":1,\"ring_ms\":300,\"greeting_ms\":[300,800]}}}",
	                            NULL),
	                 200);
	assert_int_equal(ldt_home(&T, &h), 0);
	assert_int_equal(st_spawn(&h, true, &p, &in, "dial", "--cadence", "1201", "--lines", "1",
	                          "--json", "--talk", "1", "--ask", NULL),
	                 0);
	while (!done && tl_wait_line(&p, "", RUN_MS, line, sizeof(line)) == 0) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = sbxt_str(o, "event");

		if (strstr(line, "no call disposition named 'Nope'")) {
			refused++;
			assert_true(write(in,
			                  "w meeting BOOKED | positive | talked about pricing\n",
			                  51) == 51);
		} else if (!strcmp(ev, "ask")) {
			/* The first wrap-up gets a name the team lacks first. */
			if (asks++ == 0)
				assert_true(write(in, "w Nope | Positive | x\n", 22) == 22);
			else
				assert_true(write(in, "w Meeting Booked | Positive | again\n",
				                  36) == 36);
		} else if (!strcmp(ev, "record") && !strcmp(sbxt_str(o, "kind"), "connected")) {
			assert_string_equal(sbxt_str(o, "disposition"), "Meeting Booked");
			assert_true(sbxt_num(o, "outbox_id") > 0);
			if (!connected_records++) {
				person = (int64_t)sbxt_num(o, "person_id");
				action = (int64_t)sbxt_num(o, "action_id");
			}
		} else if (!strcmp(ev, "records")) {
			done = true;
		}
		cJSON_Delete(o);
	}
	close(in);
	st = st_wait_exit(&p, 30000);
	assert_true(done);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(asks >= 1);
	assert_int_equal(refused, 1);
	assert_int_equal(connected_records, asks);
	/* The first call is in the sandbox with the rep's names and notes. */
	{
		char path[200];
		cJSON *o = NULL, *c, *found = NULL;

		snprintf(path, sizeof(path), "/v2/activities/calls?person_id=%lld&per_page=100",
		         (long long)person);
		assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &o), 200);
		cJSON_ArrayForEach(c, sbxt_data(o))
		{
			const cJSON *a = cJSON_GetObjectItem(c, "action");

			if (a && (int64_t)sbxt_num(a, "id") == action)
				found = c;
		}
		assert_non_null(found);
		assert_string_equal(sbxt_str(found, "disposition"), "Meeting Booked");
		assert_string_equal(sbxt_str(found, "sentiment"), "Positive");
		cJSON_Delete(o);
	}
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cadence),
	        cmocka_unit_test(test_tasks),
	        cmocka_unit_test(test_ask),
	        cmocka_unit_test(test_sender_lock),
	        cmocka_unit_test(test_text_instructions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
