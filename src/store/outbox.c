/*
 * outbox: the durable write-back queue. Every state change is one UPDATE guarded by the
 * states it may leave from, so a transition that does not apply changes nothing and says so
 * (EALREADY); enqueuing checks the UNIQUE dedupe key inside a transaction. Each connection
 * keeps the counts in memory and tells its watchers when a change is committed (outbox.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/outbox.h"
#include "loftdial/text.h"
#include "store_int.h"

static const char *const state_names[] = {
        [OUTBOX_QUEUED] = "queued", [OUTBOX_SENDING] = "sending",   [OUTBOX_SENT] = "sent",
        [OUTBOX_FAILED] = "failed", [OUTBOX_CONFLICT] = "conflict",
};

#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))
_Static_assert(NSTATES == OUTBOX_CONFLICT + 1, "an outbox state without a name");

struct outbox_watcher {
	outbox_change_h *h;
	void *arg;
};

/* One connection's counts and watchers (the store keeps the pointer; see store_int.h). */
struct outbox_mem {
	struct outbox_counts counts;
	bool valid;           /* counts match the table as this connection sees it */
	bool pending;         /* changed inside a transaction that has not ended yet */
	int64_t data_version; /* PRAGMA data_version when counted, for outbox_refresh */
	uint64_t changes;
	struct outbox_watcher w[OUTBOX_WATCH_MAX];
	size_t nw;
};

static int count_table(struct store *st, struct outbox_counts *out);
static void mem_changed(struct store *st);

/* The columns every item query selects, in the order read_item() expects. */
#define ITEM_COLS                                                                                  \
	"id, kind, dedupe_key, body, state, attempts, next_at, last_error, response, remote_id, "  \
	"created_at, updated_at"

/* The state's name as stored. */
const char *outbox_state_name(enum outbox_state s)
{
	if ((unsigned)s >= NSTATES)
		return "?";
	return state_names[s];
}

/* A stored state name back to the enum. */
int outbox_state_parse(const char *name, enum outbox_state *out)
{
	unsigned i;

	if (!name || !out)
		return EINVAL;
	for (i = 0; i < NSTATES; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum outbox_state)i;
			return 0;
		}
	}
	return EINVAL;
}

/* Frees an item's strings. */
void outbox_item_clear(struct outbox_item *it)
{
	if (!it)
		return;
	free(it->body);
	free(it->last_error);
	free(it->response);
	memset(it, 0, sizeof(*it));
}

/* Fills it from a row selected with ITEM_COLS. */
static int read_item(sqlite3_stmt *stmt, struct outbox_item *it)
{
	const unsigned char *state = sqlite3_column_text(stmt, 4);
	int err = 0;

	memset(it, 0, sizeof(*it));
	it->id = sqlite3_column_int64(stmt, 0);
	store_col_copy(stmt, 1, it->kind, sizeof(it->kind));
	store_col_copy(stmt, 2, it->dedupe_key, sizeof(it->dedupe_key));
	it->body = store_col_dup(stmt, 3, &err);
	if (!state || outbox_state_parse((const char *)state, &it->state))
		it->state = OUTBOX_FAILED;
	it->attempts = sqlite3_column_int(stmt, 5);
	it->next_at = sqlite3_column_int64(stmt, 6);
	it->last_error = store_col_dup(stmt, 7, &err);
	it->response = store_col_dup(stmt, 8, &err);
	it->remote_id = sqlite3_column_int64(stmt, 9);
	it->created_at = sqlite3_column_int64(stmt, 10);
	it->updated_at = sqlite3_column_int64(stmt, 11);
	if (err)
		outbox_item_clear(it);
	return err;
}

/* Runs a cached single-item query (param 1 = arg, text or integer) into out. */
static int get_one(struct store *st, const char *sql, const char *text, int64_t num,
                   struct outbox_item *out)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	if (text)
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, num);
	err = store_step_row(st, stmt, "outbox get");
	if (!err)
		err = read_item(stmt, out);
	store_stmt_end(stmt);
	return err;
}

/* One item by id. */
int outbox_get(struct store *st, int64_t id, struct outbox_item *out)
{
	static const char sql[] = "SELECT " ITEM_COLS " FROM outbox WHERE id = ?1";

	return get_one(st, sql, NULL, id, out);
}

/* One item by dedupe key. */
int outbox_get_by_key(struct store *st, const char *dedupe_key, struct outbox_item *out)
{
	static const char sql[] = "SELECT " ITEM_COLS " FROM outbox WHERE dedupe_key = ?1";

	if (!dedupe_key)
		return EINVAL;
	return get_one(st, sql, dedupe_key, 0, out);
}

/* Looks up the id and state of a key; ENOENT when absent. */
static int key_state(struct store *st, const char *key, int64_t *id, char *state, size_t n)
{
	static const char sql[] = "SELECT id, state FROM outbox WHERE dedupe_key = ?1";
	sqlite3_stmt *stmt;
	int err;

	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	err = store_step_row(st, stmt, "outbox key");
	if (!err) {
		*id = sqlite3_column_int64(stmt, 0);
		store_col_copy(stmt, 1, state, n);
	}
	store_stmt_end(stmt);
	return err;
}

/* Makes new work durable, once per dedupe key. */
int outbox_enqueue(struct store *st, const char *kind, const char *dedupe_key, const char *body,
                   int64_t *id)
{
	static const char ins_sql[] =
	        "INSERT INTO outbox (kind, dedupe_key, body, state, attempts, next_at, created_at, "
	        "updated_at) VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?4, ?4)";
	static const char requeue_sql[] =
	        "UPDATE outbox SET kind = ?1, body = ?3, state = 'queued', attempts = 0, "
	        "next_at = ?4, last_error = NULL, response = NULL, remote_id = NULL, "
	        "updated_at = ?4 WHERE id = ?2";
	struct outbox_item probe;
	sqlite3_stmt *stmt = NULL;
	char state[16];
	int64_t existing = 0, now = store_now();
	int err;

	if (id)
		*id = 0;
	if (!st || !kind || !*kind || !dedupe_key || !*dedupe_key || !body || !*body)
		return EINVAL;
	if (strlen(kind) >= sizeof(probe.kind) || strlen(dedupe_key) >= sizeof(probe.dedupe_key))
		return EINVAL;
	err = store_begin(st);
	if (err)
		return err;
	err = key_state(st, dedupe_key, &existing, state, sizeof(state));
	if (err == 0 && strcmp(state, "failed") != 0) {
		if (id)
			*id = existing;
		err = EEXIST;
		goto out;
	}
	if (err && err != ENOENT)
		goto out;
	err = store_stmt(st, existing ? requeue_sql : ins_sql, &stmt);
	if (err)
		goto out;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	if (existing)
		sqlite3_bind_int64(stmt, 2, existing);
	else
		sqlite3_bind_text(stmt, 2, dedupe_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now);
	err = store_step_done(st, stmt, "outbox enqueue");
	if (err)
		goto out;
	if (id)
		*id = existing ? existing : sqlite3_last_insert_rowid(store_sqlite(st));
	mem_changed(st);
out:
	store_stmt_end(stmt);
	if (err) {
		store_rollback(st);
		return err;
	}
	return store_commit(st);
}

/* The queued item to send next. */
int outbox_next_due(struct store *st, int64_t now, struct outbox_item *out)
{
	static const char sql[] = "SELECT " ITEM_COLS " FROM outbox WHERE state = 'queued' AND "
	                          "next_at <= ?1 ORDER BY next_at, id LIMIT 1";

	return get_one(st, sql, NULL, now, out);
}

/* When the next queued item falls due. */
int outbox_next_at(struct store *st, int64_t *next_at)
{
	static const char sql[] = "SELECT min(next_at) FROM outbox WHERE state = 'queued'";
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !next_at)
		return EINVAL;
	*next_at = 0;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		*next_at = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = store_fail(st, rc, "outbox next_at");
	store_stmt_end(stmt);
	return err;
}

/* A state change: an UPDATE guarded by the states it may leave from. Parameters: ?1 = id,
 * ?2 = now, ?3 = num, ?4 and ?5 = texts (each only when the SQL uses it). */
struct transition {
	const char *sql;
	int64_t num;      /* ?3 when set_num */
	const char *txt4; /* ?4 */
	const char *txt5; /* ?5 */
	bool set_num;
};

/* Applies a state change; ENOENT for a missing item, EALREADY for one in another state. */
static int transition(struct store *st, int64_t id, const struct transition *t, const char *what)
{
	static const char probe[] = "SELECT 1 FROM outbox WHERE id = ?1";
	sqlite3_stmt *stmt;
	int err, nparams, changed = 0;

	if (!st)
		return EINVAL;
	err = store_stmt(st, t->sql, &stmt);
	if (err)
		return err;
	nparams = sqlite3_bind_parameter_count(stmt);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, store_now());
	if (t->set_num && nparams >= 3)
		sqlite3_bind_int64(stmt, 3, t->num);
	if (nparams >= 4)
		store_bind_text(stmt, 4, t->txt4);
	if (nparams >= 5)
		store_bind_text(stmt, 5, t->txt5);
	err = store_step_done(st, stmt, what);
	if (!err)
		changed = sqlite3_changes(store_sqlite(st));
	store_stmt_end(stmt);
	if (!err && changed)
		mem_changed(st);
	if (err || changed)
		return err;
	/* Nothing changed: tell a missing item from one in another state. */
	err = store_stmt(st, probe, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	err = store_step_row(st, stmt, what);
	store_stmt_end(stmt);
	return err ? err : EALREADY;
}

/* Marks an item as on the wire (before the POST). */
int outbox_mark_sending(struct store *st, int64_t id)
{
	static const struct transition t = {
	        .sql = "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
	               "updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
	};

	return transition(st, id, &t, "outbox sending");
}

/* Marks an item delivered. */
int outbox_mark_sent(struct store *st, int64_t id, int64_t remote_id, const char *response)
{
	struct transition t = {
	        .sql = "UPDATE outbox SET state = 'sent', remote_id = nullif(?3, 0), "
	               "response = ?4, last_error = NULL, updated_at = ?2 "
	               "WHERE id = ?1 AND state IN ('queued', 'sending')",
	        .num = remote_id,
	        .set_num = true,
	        .txt4 = response,
	};

	return transition(st, id, &t, "outbox sent");
}

/* Puts an item back in the queue for later. */
int outbox_mark_retry(struct store *st, int64_t id, int64_t next_at, const char *error)
{
	struct transition t = {
	        .sql = "UPDATE outbox SET state = 'queued', next_at = ?3, last_error = ?4, "
	               "updated_at = ?2 WHERE id = ?1 AND state IN ('queued', 'sending')",
	        .num = next_at,
	        .set_num = true,
	        .txt4 = error,
	};

	return transition(st, id, &t, "outbox retry");
}

/* Gives up on an item until a person looks at it. */
int outbox_mark_failed(struct store *st, int64_t id, const char *error)
{
	struct transition t = {
	        .sql = "UPDATE outbox SET state = 'failed', last_error = ?4, updated_at = ?2 "
	               "WHERE id = ?1 AND state IN ('queued', 'sending')",
	        .txt4 = error,
	};

	return transition(st, id, &t, "outbox failed");
}

/* Records that the remote already had this work. */
int outbox_mark_conflict(struct store *st, int64_t id, const char *error, const char *response)
{
	struct transition t = {
	        .sql = "UPDATE outbox SET state = 'conflict', last_error = ?4, response = ?5, "
	               "updated_at = ?2 WHERE id = ?1 AND state IN ('queued', 'sending')",
	        .txt4 = error,
	        .txt5 = response,
	};

	return transition(st, id, &t, "outbox conflict");
}

/* Puts a failed item back in the queue. */
int outbox_requeue(struct store *st, int64_t id)
{
	static const struct transition t = {
	        .sql = "UPDATE outbox SET state = 'queued', attempts = 0, next_at = ?2, "
	               "updated_at = ?2 WHERE id = ?1 AND state = 'failed'",
	};

	return transition(st, id, &t, "outbox requeue");
}

/* A failed item back in the queue (attempts reset), or a waiting one, due now. */
int outbox_retry_now(struct store *st, int64_t id)
{
	static const struct transition t = {
	        .sql = "UPDATE outbox SET state = 'queued', attempts = CASE state WHEN 'failed' "
	               "THEN 0 ELSE attempts END, next_at = ?2, updated_at = ?2 "
	               "WHERE id = ?1 AND state IN ('queued', 'failed')",
	};

	return transition(st, id, &t, "outbox retry");
}

/* A queued or failed item with a corrected body, queued and due now. */
int outbox_amend(struct store *st, int64_t id, const char *body)
{
	const struct transition t = {
	        .sql = "UPDATE outbox SET body = ?4, state = 'queued', attempts = CASE state WHEN "
	               "'failed' THEN 0 ELSE attempts END, next_at = ?2, updated_at = ?2 "
	               "WHERE id = ?1 AND state IN ('queued', 'failed')",
	        .txt4 = body,
	};

	if (!body || !body[0])
		return EINVAL;
	return transition(st, id, &t, "outbox amend");
}

/* Deletes an item that is not on the wire. */
int outbox_drop(struct store *st, int64_t id)
{
	static const struct transition t = {
	        .sql = "DELETE FROM outbox WHERE id = ?1 AND state <> 'sending' AND ?2 IS NOT NULL",
	};

	return transition(st, id, &t, "outbox drop");
}

/* This connection's in-memory state, created on first use (NULL only without memory). */
static struct outbox_mem *mem_of(struct store *st)
{
	struct outbox_mem **slot = store_outbox_mem(st);

	if (slot && !*slot)
		*slot = calloc(1, sizeof(**slot));
	return slot ? *slot : NULL;
}

void outbox_mem_free(struct outbox_mem *m)
{
	free(m);
}

/* Recounts into m when stale. */
static int mem_count(struct store *st, struct outbox_mem *m)
{
	int64_t v = 0;
	int err;

	if (m->valid)
		return 0;
	err = store_data_version(st, &v);
	if (!err)
		err = count_table(st, &m->counts);
	if (err)
		return err;
	m->data_version = v;
	/* Counted inside an open transaction, the figures may still be rolled back. */
	m->valid = store_tx_depth(st) == 0;
	return 0;
}

/* Tells the watchers (a watcher may unwatch itself from its handler). */
static void mem_tell(struct store *st, struct outbox_mem *m)
{
	struct outbox_watcher w[OUTBOX_WATCH_MAX];
	size_t i, n = m->nw;

	m->pending = false;
	m->changes++;
	if (!n || mem_count(st, m))
		return;
	memcpy(w, m->w, n * sizeof(w[0]));
	for (i = 0; i < n; i++)
		w[i].h(&m->counts, w[i].arg);
}

/* A change by this connection: told now, or when the caller's transaction ends. */
static void mem_changed(struct store *st)
{
	struct outbox_mem *m = mem_of(st);

	if (!m)
		return;
	m->valid = false;
	m->pending = true;
	if (store_tx_depth(st) == 0)
		mem_tell(st, m);
}

void outbox_mem_tx_end(struct store *st, bool rolled_back, bool outermost)
{
	struct outbox_mem **slot = store_outbox_mem(st);
	struct outbox_mem *m = slot ? *slot : NULL;

	if (!m || !m->pending)
		return;
	m->valid = false;
	if (outermost)
		mem_tell(st, m);
}

int outbox_watch(struct store *st, outbox_change_h *h, void *arg)
{
	struct outbox_mem *m;
	size_t i;

	if (!st || !h)
		return EINVAL;
	m = mem_of(st);
	if (!m)
		return ENOMEM;
	for (i = 0; i < m->nw; i++)
		if (m->w[i].h == h && m->w[i].arg == arg)
			return EEXIST;
	if (m->nw == OUTBOX_WATCH_MAX)
		return ENOSPC;
	m->w[m->nw].h = h;
	m->w[m->nw].arg = arg;
	m->nw++;
	return 0;
}

void outbox_unwatch(struct store *st, outbox_change_h *h, void *arg)
{
	struct outbox_mem **slot = store_outbox_mem(st);
	struct outbox_mem *m = slot ? *slot : NULL;
	size_t i;

	for (i = 0; m && i < m->nw; i++) {
		if (m->w[i].h == h && m->w[i].arg == arg) {
			memmove(&m->w[i], &m->w[i + 1], (m->nw - i - 1) * sizeof(m->w[0]));
			m->nw--;
			return;
		}
	}
}

int outbox_counts_cached(struct store *st, struct outbox_counts *out)
{
	struct outbox_mem *m;
	int err;

	if (!st || !out)
		return EINVAL;
	m = mem_of(st);
	if (!m)
		return ENOMEM;
	err = mem_count(st, m);
	if (err)
		return err;
	*out = m->counts;
	return 0;
}

uint64_t outbox_changes(struct store *st)
{
	struct outbox_mem **slot = store_outbox_mem(st);

	return slot && *slot ? (*slot)->changes : 0;
}

int outbox_refresh(struct store *st)
{
	struct outbox_counts before;
	struct outbox_mem *m;
	int64_t v = 0;
	int err;

	if (!st)
		return EINVAL;
	m = mem_of(st);
	if (!m)
		return ENOMEM;
	if (!m->valid)
		return mem_count(st, m);
	err = store_data_version(st, &v);
	if (err || v == m->data_version)
		return err;
	before = m->counts;
	m->valid = false;
	err = mem_count(st, m);
	if (err)
		return err;
	if (memcmp(&before, &m->counts, sizeof(before)))
		mem_tell(st, m);
	return 0;
}

/* How many items are in each state. */
int outbox_counts(struct store *st, struct outbox_counts *out)
{
	if (!st || !out)
		return EINVAL;
	return count_table(st, out);
}

/* Counts the table by state. */
static int count_table(struct store *st, struct outbox_counts *out)
{
	static const char sql[] = "SELECT state, count(*) FROM outbox GROUP BY state";
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(stmt, 0);
		int64_t n = sqlite3_column_int64(stmt, 1);
		enum outbox_state state;

		if (!s || outbox_state_parse((const char *)s, &state))
			continue;
		switch (state) {
		case OUTBOX_QUEUED:
			out->queued = n;
			break;
		case OUTBOX_SENDING:
			out->sending = n;
			break;
		case OUTBOX_SENT:
			out->sent = n;
			break;
		case OUTBOX_FAILED:
			out->failed = n;
			break;
		case OUTBOX_CONFLICT:
			out->conflict = n;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		err = store_fail(st, rc, "outbox counts");
	store_stmt_end(stmt);
	return err;
}

/* Walks the items a query selects with a statement of its own. */
static int walk(struct store *st, const char *sql, outbox_each_h *cb, void *arg)
{
	struct outbox_item it;
	sqlite3_stmt *stmt = NULL;
	int err = 0, rc;

	if (!st || !cb)
		return EINVAL;
	rc = sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "outbox list");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		err = read_item(stmt, &it);
		if (!err)
			err = cb(&it, arg);
		outbox_item_clear(&it);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_fail(st, rc, "outbox list");
	sqlite3_finalize(stmt);
	return err;
}

/* Walks every item. */
int outbox_list(struct store *st, outbox_each_h *cb, void *arg)
{
	return walk(st, "SELECT " ITEM_COLS " FROM outbox ORDER BY id", cb, arg);
}

/* Walks the items a crash left in `sending`. */
int outbox_stuck_sending(struct store *st, outbox_each_h *cb, void *arg)
{
	return walk(st, "SELECT " ITEM_COLS " FROM outbox WHERE state = 'sending' ORDER BY id", cb,
	            arg);
}
