/*
 * sbx_core: what the sandbox core's own files share and nobody else needs: the growable
 * buffer and JSON writer used to render records and list pages, the per-kind column
 * descriptors of the record store, the store's low-level insert, the list endpoints, the rate
 * limiter and the generator. Other sandbox modules use sbx.h only.
 */
#ifndef LOFTDIAL_SBX_CORE_H
#define LOFTDIAL_SBX_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

/* "No value" for times and ids in the writer and the store. */
#define SBX_NONE INT64_MIN

/* ---- the core's private state (struct sbx.priv) ---- */

struct sbx_hook {
	void *h;
	void *arg;
};

struct sqlite3_stmt;
struct sbx_gen;
struct mbuf;
struct sbuf;

struct sbx_route_ent {
	char method[8];
	char *pattern;
	sbx_handler_h *h;
	void *arg;
};

#define SBX_MAX_HOOKS 16

struct sbx_priv {
	struct sbx_hook change[SBX_MAX_HOOKS], filter[SBX_MAX_HOOKS], closeh[SBX_MAX_HOOKS];
	size_t nchange, nfilter, nclose;
	struct sbx_route_ent *routes;
	size_t nroutes, caproutes;
	struct http_sock *sock;
	int64_t start_us;       /* the clock at startup (wall clock or --now) */
	uint64_t start_mono_us; /* monotonic microseconds at startup */
	int64_t rl_minute;      /* the minute the budget below belongs to */
	unsigned rl_spent;
	struct sqlite3_stmt *ins[SBX_KIND_COUNT];  /* cached INSERT OR REPLACE per kind */
	struct sqlite3_stmt *body[SBX_KIND_COUNT]; /* cached SELECT body by id per kind */
	struct sbx_gen *gen; /* the generator, kept to render generated records on demand */
	bool storing;        /* inside a write: SQLite computes the virtual json column, unused */
	/* Buffers reused from request to request so that big pages do not fault in fresh
	 * memory every time (server.c: the reply; lists.c: the page being built). */
	struct mbuf *txmb;
	struct sbuf *page_out, *page_data;
	struct sbx_req *late; /* replies held back by sbx_req_lose_reply (server.c) */
};

/* ---- buffer and JSON writer (render.c) ---- */

/* A growable byte buffer; err becomes ENOMEM once an append failed (later appends no-op). */
struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

void sbuf_reset(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_putn(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_putc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_int(struct sbuf *b, int64_t v);
/* A JSON string literal (quotes and escapes; NULL writes null). */
void sbuf_json_str(struct sbuf *b, const char *s);
/* NUL-terminates without counting the NUL in len. */
const char *sbuf_cstr(struct sbuf *b);

/* Writes one JSON value with members in the order they are added. key is NULL inside arrays.
 * With off set, every jw_ call does nothing: the generator walks records it does not keep
 * (their random draws must still happen, their text is not needed). With literal_keys set,
 * the caller promises that every key is a string literal (its address names its text), so a
 * key's length and escaping are worked out once per key, not once per use. */
struct jw {
	struct sbuf *b;
	const char *base; /* base URL for refs */
	int depth;
	bool off;
	bool literal_keys;
	bool first[24];
};

void jw_init(struct jw *w, struct sbuf *b, const char *base);
void jw_open(struct jw *w, const char *key);               /* { */
void jw_close(struct jw *w);                               /* } */
void jw_aopen(struct jw *w, const char *key);              /* [ */
void jw_aclose(struct jw *w);                              /* ] */
void jw_str(struct jw *w, const char *key, const char *s); /* NULL → null */
void jw_int(struct jw *w, const char *key, int64_t v);     /* SBX_NONE → null */
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
void jw_raw(struct jw *w, const char *key, const char *json);
/* A timestamp in the team's zone; SBX_NONE → null. */
void jw_time(struct jw *w, const char *key, int64_t us);
/* {"_href": "<base>/v2/<path>/<id>", "id": id}; id <= 0 or SBX_NONE → null. */
void jw_ref(struct jw *w, const char *key, const char *path, int64_t id);

/* "YYYY-MM-DD" of the instant in the team's zone (11 bytes). */
void sbx_date_render(char *buf, size_t n, int64_t us);
/* Days since 1970-01-01 of a civil date, and back. */
int64_t sbx_days_from_civil(int y, int m, int d);
void sbx_civil_from_days(int64_t z, int *y, int *m, int *d);

/* ---- the record store (db.c) ---- */

enum sbx_col_type { SBX_COL_INT, SBX_COL_BOOL, SBX_COL_TEXT, SBX_COL_TIME };

struct sbx_col {
	const char *name; /* SQL column */
	const char *path; /* where it lives in the record JSON: "owner.id", "do_not_contact" */
	enum sbx_col_type type;
	bool index;
	bool sparse; /* mostly NULL: the index holds only the non-NULL rows (partial index) */
	bool hashed; /* a long text indexed through sbx_hash(col): 8-byte keys build far faster;
	              * queries match sbx_hash(col) and then col itself */
	/* A text column's usual values (NULL-terminated), or NULL: a row keeps a value found
	 * here as its index (a byte or less instead of the text) in the column col_v, any other
	 * text as it is; col itself is a virtual column that gives back the text. */
	const char *const *dict;
};

#define SBX_MAX_COLS 8

struct sbx_kind_desc {
	const char *name;     /* table */
	const char *path;     /* /v2/<path> */
	const char *singular; /* webhook event prefix */
	bool timestamps;      /* created_at/updated_at exist */
	int64_t first_id;     /* ids of generated records start here */
	struct sbx_col cols[SBX_MAX_COLS];
};

const struct sbx_kind_desc *sbx_kind_desc(enum sbx_kind kind);

/* A column value for the low-level insert. */
struct sbx_val {
	bool null;
	int64_t i;
	const char *s;
};

/* Opens the store and creates the tables (secondary indexes come later, after a bulk load).
 * *fresh says whether the store held no org yet (a new state file or memory). Fails with
 * EPROTO for a state file in an older layout. */
int sbx_db_open(struct sbx *sbx, bool *fresh);
int sbx_db_create_indexes(struct sbx *sbx);
/* Switches a state file to its serving journal mode once the bulk load is done. */
int sbx_db_loaded(struct sbx *sbx);
void sbx_db_close(struct sbx *sbx);
/* INSERT OR REPLACE of one row; vals are in the kind's column order. The body is the JSON
 * text (json, len), or, when json is NULL, the index of the generated person whose
 * generation renders the record (sbx_gen_render). */
int sbx_db_insert(struct sbx *sbx, enum sbx_kind kind, int64_t id, int64_t created_us,
                  int64_t updated_us, const char *json, size_t len, int64_t person,
                  const struct sbx_val *vals);
/* Appends the JSON of the record whose stored body is the current value of column col of
 * st (text, or a generated person's index). 0, or an errno value. */
int sbx_db_body_append(struct sbx *sbx, enum sbx_kind kind, int64_t id, struct sqlite3_stmt *st,
                       int col, struct sbuf *out);
/* The 64-bit FNV-1a hash of a text, as the SQL function sbx_hash() gives it (hashed
 * columns are indexed through it; it must never change for a given layout). */
int64_t sbx_hash(const char *s);
/* Rows in the kind's table. */
int64_t sbx_db_count(struct sbx *sbx, enum sbx_kind kind);
/* Meta key/value (base_url, generator parameters). */
int sbx_db_meta_get(struct sbx *sbx, const char *key, char *out, size_t n);
int sbx_db_meta_set(struct sbx *sbx, const char *key, const char *value);
/* Rewrites every _href prefix from one base URL to another. */
int sbx_db_rebase(struct sbx *sbx, const char *from, const char *to);
int sbx_db_exec(struct sbx *sbx, const char *sql);

/* ---- the server (server.c) ---- */

/* Decoded name/value pairs: a query string, a form body, headers. */
struct sbx_pair {
	char *k, *v;
};

struct sbx_pairs {
	struct sbx_pair *a;
	size_t n, cap;
};

/* Decodes x-www-form-urlencoded text in place ('+' a space, "%XY" a byte; a broken escape
 * and "%00" stay as they are). Returns the new length, never more than n. */
size_t sbx_url_decode(char *s, size_t n);
/* Splits "a=1&b=2" (n bytes, no NUL needed) into decoded pairs appended to out; names are
 * kept as sent ("ids[]"), empty segments skipped, a segment without '=' has the value "".
 * 0, ENOMEM, or EINVAL when the text holds a NUL byte. */
int sbx_pairs_parse(struct sbx_pairs *out, const char *s, size_t n);
void sbx_pairs_free(struct sbx_pairs *p);

int sbx_server_init(struct sbx *sbx);
int sbx_server_listen(struct sbx *sbx);
void sbx_server_close(struct sbx *sbx);
/* The page number the request asked for (for the rate limiter), corrected to >= 1. */
long sbx_req_page(const struct sbx_req *req);
/* Records the cost charged (set by the pipeline before the handler runs). */
void sbx_req_set_ratelimit(struct sbx_req *req, unsigned cost, unsigned remaining);

/* ---- the change hooks (sbx.c) ---- */

void sbx_changed(struct sbx *sbx, enum sbx_kind kind, int64_t id, const char *event,
                 const char *json, size_t len);

/* ---- lists (lists.c) ---- */

int sbx_lists_register(struct sbx *sbx);
/* instr.c: the call instructions routes (registered by sbx_lists_register). */
int sbx_instr_register(struct sbx *sbx);

/* ---- rate limit (ratelimit.c) ---- */

/* Charges cost against the current minute: 0, or EAGAIN when the budget is spent (nothing
 * charged). *remaining receives the budget left after the charge. */
int sbx_ratelimit_charge(struct sbx *sbx, unsigned cost, unsigned *remaining);

/* ---- generator (gen.c) ---- */

/* Fills an empty store with the org for opts (seed, sizes), anchored at anchor_us (the start
 * of "today" in the team's zone). People and the records that hang off them (memberships,
 * actions, calls, notes, emails, tasks) are stored as their list columns and the index of
 * their person; their JSON is rendered again from the seed when it is read. The generator
 * stays attached to sbx for that. */
int sbx_gen(struct sbx *sbx, int64_t anchor_us);
/* Attaches the generator to a reused store, with the parameters the store was generated
 * with (its meta), so that its generated records can be rendered. */
int sbx_gen_attach(struct sbx *sbx);
/* Appends the JSON of generated record (kind, id), whose person has index person, to out.
 * 0, ENOENT when the generation has no such record, or another errno value. */
int sbx_gen_render(struct sbx *sbx, enum sbx_kind kind, int64_t id, int64_t person,
                   struct sbuf *out);
/* Detaches and frees the generator. */
void sbx_gen_free(struct sbx *sbx);

#endif
