/*
 * The Outbox screen: what loftdial still has to write to Salesloft, and what Salesloft
 * refused: every record of the outbox (outbox.h) that is pending (queued, with its next try),
 * on the wire (sending), failed (with the reason: a 422's errors map as "field: message"), or
 * in conflict; sent records only after `a`. Under the table, the selected record in full: its
 * key, the person and number, the disposition, sentiment and notes it carries, and every line
 * of the reason.
 *
 * Keys, the same module functions the command line's `loftdial outbox retry|fix|drop` run:
 * r puts a failed record back in the queue (or a waiting one) due now (outbox_retry_now()),
 * and the sender is told at once; e corrects a call record Salesloft refused in the
 * disposition picker (pre-filled, with the reason; callrec_fix() checks the names against the
 * team's and queues it); d drops a record after a y/n question (outbox_drop(); a record on
 * the wire is refused). The table follows the outbox live: the outbox's change callback
 * (outbox_watch on the TUI's store connection, which the sender writes through, and which
 * sees other processes' commits on its poll) asks for one reading in the loop's deferred
 * queue. Every field is hostile text drawn through ui_text().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/callrec.h"
#include "loftdial/contacts.h"
#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/text.h"
#include "loftdial/twidth.h"

#include "picker.h"
#include "screen.h"
#include "uisvc.h"

#define OUTBOX_ROWS_MAX 1000 /* records kept in the table */
#define REASON_MAX      1024

enum outbox_action {
	OUTBOX_RETRY = UI_ACT_SCREEN,
	OUTBOX_EDIT,
	OUTBOX_DROP,
	OUTBOX_SHOW_SENT,
};

static const struct keymap_action outbox_actions[] = {
        {OUTBOX_RETRY, "retry", "r", "Send the selected failed or waiting record again now"},
        {OUTBOX_EDIT, "edit", "e", "Correct a refused call record (disposition, sentiment, notes)"},
        {OUTBOX_DROP, "drop", "d", "Drop the selected record for good (asks first)"},
        {OUTBOX_SHOW_SENT, "show-sent", "a", "Show or hide the records already sent"},
};

/* One record as the table shows it (every string hostile, sanitized when drawn). */
struct orow {
	int64_t id;
	enum outbox_state state;
	char kind[32];
	char key[128];
	int attempts;
	int64_t next_at, updated_at;
	int64_t person_id;
	char person[128];
	char to[64];
	char disposition[CALLREC_NAME_MAX];
	char sentiment[CALLREC_NAME_MAX];
	char notes[512];
	char reason[REASON_MAX];       /* last_error, a 422's errors map as "field: message; ..." */
	bool needs_dispo, needs_senti; /* the reason says the field can't be blank */
};

struct outbox_scr {
	struct ui *ui;
	struct orow *rows;
	struct ui_list list;
	struct outbox_counts counts;
	bool show_sent, watching, confirm;
	int64_t confirm_id; /* the record the drop question is about */
	int64_t edit_id;    /* the record in the picker, 0 when none */
	struct loop_job reload_job;
	int rows_shown;
	char err[160];
};

/* A 422's errors map ("HTTP 422: {\"disposition\":[\"can't be blank\"]}") as
 * "disposition: can't be blank"; any other text as it is. Notes blank required fields. */
static void reason_text(const char *err, struct orow *r)
{
	const char *brace = err ? strchr(err, '{') : NULL;
	cJSON *map = brace ? cJSON_Parse(brace) : NULL, *f, *m;
	size_t len = 0;

	r->reason[0] = '\0';
	if (!cJSON_IsObject(map) || !map->child) {
		text_copy(r->reason, sizeof(r->reason), err ? err : "");
		cJSON_Delete(map);
		return;
	}
	cJSON_ArrayForEach(f, map)
	{
		text_printf(r->reason + len, sizeof(r->reason) - len, "%s%s:", len ? "; " : "",
		            f->string ? f->string : "?");
		len = strlen(r->reason);
		if (cJSON_IsString(f)) {
			text_printf(r->reason + len, sizeof(r->reason) - len, " %s",
			            f->valuestring);
			len = strlen(r->reason);
		}
		cJSON_ArrayForEach(m, f)
		{
			if (!cJSON_IsString(m))
				continue;
			text_printf(r->reason + len, sizeof(r->reason) - len, " %s",
			            m->valuestring);
			len = strlen(r->reason);
			if (strstr(m->valuestring, "blank") && f->string) {
				if (!strcmp(f->string, "disposition"))
					r->needs_dispo = true;
				if (!strcmp(f->string, "sentiment"))
					r->needs_senti = true;
			}
		}
	}
	cJSON_Delete(map);
}

/* A string member of a JSON object into out ("" when absent or not a string). */
static void json_str(const cJSON *o, const char *name, char *out, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	text_copy(out, n, cJSON_IsString(v) ? v->valuestring : "");
}

/* Fills a row from an item (the body's fields for a call record, the person from the store). */
static void fill_row(struct ui *ui, const struct outbox_item *it, struct orow *r)
{
	cJSON *body = it->body ? cJSON_Parse(it->body) : NULL;
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(body, "person_id");
	struct contact *c;

	memset(r, 0, sizeof(*r));
	r->id = it->id;
	r->state = it->state;
	text_copy(r->kind, sizeof(r->kind), it->kind);
	text_copy(r->key, sizeof(r->key), it->dedupe_key);
	r->attempts = it->attempts;
	r->next_at = it->next_at;
	r->updated_at = it->updated_at;
	if (cJSON_IsObject(body)) {
		json_str(body, "to", r->to, sizeof(r->to));
		json_str(body, "disposition", r->disposition, sizeof(r->disposition));
		json_str(body, "sentiment", r->sentiment, sizeof(r->sentiment));
		json_str(body, "notes", r->notes, sizeof(r->notes));
		if (cJSON_IsNumber(pid) && pid->valuedouble >= 1 && pid->valuedouble < 9e15)
			r->person_id = (int64_t)pid->valuedouble;
	}
	cJSON_Delete(body);
	reason_text(it->last_error, r);
	c = r->person_id && ui_store(ui) ? malloc(sizeof(*c)) : NULL;
	if (c && contacts_get(ui_store(ui), r->person_id, c) == 0) {
		if (c->display_name[0])
			text_copy(r->person, sizeof(r->person), c->display_name);
		else
			text_printf(r->person, sizeof(r->person), "%s%s%s", c->first_name,
			            c->first_name[0] ? " " : "", c->last_name);
	}
	free(c);
}

struct reading {
	struct outbox_scr *s;
	size_t n;
};

static int add_item(const struct outbox_item *it, void *arg)
{
	struct reading *rd = arg;

	if (it->state == OUTBOX_SENT && !rd->s->show_sent)
		return 0;
	if (rd->n >= OUTBOX_ROWS_MAX)
		return 1;
	fill_row(rd->s->ui, it, &rd->s->rows[rd->n++]);
	return 0;
}

/* Reads the outbox again, keeping the selected record when it is still there. */
static void reload(struct outbox_scr *s)
{
	struct store *st = ui_store(s->ui);
	struct reading rd = {s, 0};
	int64_t keep = s->list.sel < s->list.count ? s->rows[s->list.sel].id : 0;
	size_t i;
	int err;

	s->err[0] = '\0';
	if (!st) {
		text_copy(s->err, sizeof(s->err), "the database could not be opened (see the log)");
	} else {
		err = outbox_list(st, add_item, &rd);
		if (err && err != 1)
			text_printf(s->err, sizeof(s->err), "the outbox could not be read: %s",
			            strerror(err));
		if (outbox_counts_cached(st, &s->counts))
			memset(&s->counts, 0, sizeof(s->counts));
	}
	s->list.count = rd.n;
	for (i = 0; i < rd.n; i++)
		if (s->rows[i].id == keep)
			s->list.sel = i;
	ui_list_fit(&s->list, s->rows_shown);
	if (s->confirm &&
	    (s->list.sel >= s->list.count || s->rows[s->list.sel].id != s->confirm_id))
		s->confirm = false; /* the record asked about went away */
	ui_dirty(s->ui);
}

static void reload_job(void *arg)
{
	reload(arg);
}

/* The outbox changed (this process, or another one's commit seen by the poll). */
static void on_outbox(const struct outbox_counts *c, void *arg)
{
	struct outbox_scr *s = arg;

	(void)c;
	loop_defer(&s->reload_job, reload_job, s);
}

static int outbox_open(struct ui *ui, void **state)
{
	struct outbox_scr *s = calloc(1, sizeof(*s));

	if (!s)
		return ENOMEM;
	s->rows = calloc(OUTBOX_ROWS_MAX, sizeof(*s->rows));
	if (!s->rows) {
		free(s);
		return ENOMEM;
	}
	s->ui = ui;
	s->rows_shown = 1;
	loop_job_init(&s->reload_job);
	if (ui_store(ui)) {
		int err = outbox_watch(ui_store(ui), on_outbox, s);

		s->watching = err == 0;
		if (err)
			ui_status(ui, THEME_WARNING,
			          "the outbox cannot be followed (%s): it is read when keys act",
			          strerror(err));
	}
	reload(s);
	*state = s;
	return 0;
}

/* Rows of the table and of the detail under it, for a body of rows. */
static int table_rows(int rows)
{
	int detail = rows >= 30 ? 10 : 7;
	int t = rows - 2 - detail - 2; /* summary, header; a gap; the keys */

	return t < 1 ? 1 : t;
}

static void outbox_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct outbox_scr *s = state;

	(void)ui;
	(void)cols;
	s->rows_shown = table_rows(rows);
	ui_list_fit(&s->list, s->rows_shown);
}

static const struct orow *selected(const struct outbox_scr *s)
{
	return s->list.sel < s->list.count ? &s->rows[s->list.sel] : NULL;
}

/* What an errno value from the outbox means to the rep. */
static const char *why_not(int err)
{
	switch (err) {
	case EALREADY:
		return "not possible in the record's state (a record on the wire is settled by the "
		       "sender first)";
	case ENOENT:
		return "the record is gone";
	case EBUSY:
		return "the database is busy (another loftdial is writing): try again";
	case EBADMSG:
		return "the record's body is not a JSON object";
	default:
		return strerror(err);
	}
}

static int retry(struct ui *ui, struct outbox_scr *s)
{
	const struct orow *r = selected(s);
	int err;

	if (!r)
		return UI_NONE;
	err = ui_store(ui) ? outbox_retry_now(ui_store(ui), r->id) : ENOENT;
	if (err) {
		ui_status(ui, THEME_WARNING, "record %lld not retried: %s", (long long)r->id,
		          why_not(err));
	} else {
		ui_status(ui, THEME_OK, "record %lld is due now", (long long)r->id);
		ui_outbox_kick(ui);
	}
	reload(s);
	return UI_REDRAW;
}

/* The picker's answer for the record being corrected. */
static int edit_done(struct ui *ui, const struct picker_result *res, void *arg, char *why,
                     size_t whyn)
{
	struct outbox_scr *s = arg;
	struct callrec_fix f = {res->disposition, res->sentiment, res->notes};
	int64_t id = s->edit_id;
	int err;

	if (res->action == PICKER_CLOSED || res->action == PICKER_DISCARD) {
		s->edit_id = 0;
		if (res->action == PICKER_DISCARD)
			ui_status(ui, THEME_OK, "record %lld left as it was", (long long)id);
		return 0;
	}
	err = ui_store(ui) ? callrec_fix(ui_store(ui), id, &f, why, whyn) : ENOENT;
	if (err) {
		if (!why[0])
			text_printf(why, whyn, "not saved: %s", why_not(err));
		return err;
	}
	s->edit_id = 0;
	ui_status(ui, THEME_OK, "record %lld corrected, due now", (long long)id);
	ui_outbox_kick(ui);
	loop_defer(&s->reload_job, reload_job, s);
	return 0;
}

static int edit(struct ui *ui, struct outbox_scr *s)
{
	const struct orow *r = selected(s);
	struct picker_req *q;
	int err;

	if (!r)
		return UI_NONE;
	if (strcmp(r->kind, "call") || (r->state != OUTBOX_FAILED && r->state != OUTBOX_QUEUED)) {
		ui_status(
		        ui, THEME_WARNING,
		        "only a failed or queued call record can be corrected (this one is %s %s)",
		        r->kind, outbox_state_name(r->state));
		return UI_REDRAW;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return UI_NONE;
	text_copy(q->who, sizeof(q->who), r->person[0] ? r->person : r->key);
	text_copy(q->number, sizeof(q->number), r->to);
	q->kind = CALLREC_CONNECTED;
	text_copy(q->disposition, sizeof(q->disposition), r->disposition);
	text_copy(q->sentiment, sizeof(q->sentiment), r->sentiment);
	text_copy(q->notes, sizeof(q->notes), r->notes);
	q->disposition_required = r->needs_dispo;
	q->sentiment_required = r->needs_senti;
	text_printf(q->error, sizeof(q->error), "Record %lld%s%s", (long long)r->id,
	            r->reason[0] ? " was refused: " : "", r->reason);
	q->edit = true;
	q->done = edit_done;
	q->arg = s;
	s->edit_id = r->id;
	err = picker_open(ui, q);
	free(q);
	if (err) {
		s->edit_id = 0;
		ui_status(ui, THEME_ERROR, "the editor cannot open: %s", strerror(err));
		return UI_REDRAW;
	}
	return UI_PUSH;
}

static int outbox_key(struct ui *ui, void *state, int action)
{
	struct outbox_scr *s = state;

	switch (action) {
	case OUTBOX_RETRY:
		return retry(ui, s);
	case OUTBOX_EDIT:
		return edit(ui, s);
	case OUTBOX_DROP:
		if (!selected(s))
			return UI_NONE;
		s->confirm = true;
		s->confirm_id = selected(s)->id;
		return UI_REDRAW;
	case OUTBOX_SHOW_SENT:
		s->show_sent = !s->show_sent;
		reload(s);
		return UI_REDRAW;
	default:
		return ui_list_key(&s->list, action, s->rows_shown);
	}
}

/* The answer to the drop question: y drops, any other key keeps the record. */
static int outbox_keypress(struct ui *ui, void *state, int key)
{
	struct outbox_scr *s = state;
	int err;

	if (!s->confirm)
		return UI_PASS;
	s->confirm = false;
	if (key != 'y' && key != 'Y') {
		ui_status(ui, THEME_OK, "record %lld kept", (long long)s->confirm_id);
		return UI_REDRAW;
	}
	err = ui_store(ui) ? outbox_drop(ui_store(ui), s->confirm_id) : ENOENT;
	if (err)
		ui_status(ui, THEME_WARNING, "record %lld not dropped: %s",
		          (long long)s->confirm_id, why_not(err));
	else
		ui_status(ui, THEME_OK, "record %lld dropped: it will never be sent",
		          (long long)s->confirm_id);
	reload(s);
	return UI_REDRAW;
}

/* Column widths: id, state, tries, person, number, disposition, when, reason. */
static void columns(int cols, int w[8])
{
	int rest;

	w[0] = 5;
	w[1] = 8;
	w[2] = 3;
	w[6] = 5;
	if (cols >= 100) {
		w[4] = 14;
		rest = cols - 2 - w[0] - w[1] - w[2] - w[4] - w[6] - 7;
		w[3] = rest * 25 / 100;
		w[5] = rest * 20 / 100;
		w[7] = rest - w[3] - w[5];
	} else {
		w[4] = 0;
		rest = cols - 2 - w[0] - w[1] - w[2] - w[6] - 6;
		w[3] = rest * 30 / 100;
		w[5] = rest * 25 / 100;
		w[7] = rest - w[3] - w[5];
	}
}

/* The first key bound to one of the screen's actions ("-" when none is). */
static void key_of(struct ui *ui, int id, char *out, size_t n)
{
	int scope = keymap_scope(ui_keymap(ui), "outbox"), key;

	if (keymap_keys_of(ui_keymap(ui), scope, scope, id, &key, 1))
		keymap_key_name(key, out, n);
	else
		text_copy(out, n, "-");
}

/* When a queued record is tried next, else when it last changed: HH:MM local. */
static void when_text(const struct orow *r, char *out, size_t n)
{
	time_t t = (time_t)(r->state == OUTBOX_QUEUED ? r->next_at : r->updated_at);
	struct tm tm;

	out[0] = '\0';
	if (t > 0 && localtime_r(&t, &tm))
		strftime(out, n, "%H:%M", &tm);
}

/* A labelled line of the detail. */
static void detail_row(struct ui *ui, WINDOW *w, int y, int cols, const char *label,
                       const char *value)
{
	wattron(w, ui_attr(ui, THEME_MUTED));
	ui_text(ui, w, y, 1, 12, label, false);
	wattroff(w, ui_attr(ui, THEME_MUTED));
	ui_text(ui, w, y, 14, cols - 15, value[0] ? value : "-", false);
}

/* The selected record in full, from row y down to the last row. */
static void draw_detail(struct ui *ui, const struct orow *r, WINDOW *w, int y, int rows, int cols)
{
	char line[REASON_MAX];

	text_printf(line, sizeof(line), "Record %lld  %s  %s  %s, %d tr%s", (long long)r->id,
	            r->kind, r->key, outbox_state_name(r->state), r->attempts,
	            r->attempts == 1 ? "y" : "ies");
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_text(ui, w, y++, 1, cols - 2, line, false);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	if (y < rows) {
		text_printf(line, sizeof(line), "%s%s%s", r->person[0] ? r->person : "-",
		            r->to[0] ? "  " : "", r->to);
		detail_row(ui, w, y++, cols, "Person", line);
	}
	if (y < rows) {
		text_printf(line, sizeof(line), "%s / %s", r->disposition[0] ? r->disposition : "-",
		            r->sentiment[0] ? r->sentiment : "-");
		detail_row(ui, w, y++, cols, "Disposition", line);
	}
	if (y < rows)
		detail_row(ui, w, y++, cols, "Notes", r->notes);
	if (y < rows) {
		int left = rows - y;

		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_text(ui, w, y, 1, 12, "Reason", false);
		wattroff(w, ui_attr(ui, THEME_MUTED));
		if (!r->reason[0]) {
			ui_text(ui, w, y, 14, cols - 15, "-", false);
		} else {
			/* The reason over the rows left, sanitized first, then cut by display
			 * width between characters; the last row ends with an ellipsis. */
			char clean[REASON_MAX];
			const char *p = clean;
			size_t vw = (size_t)(cols - 15);
			int i;

			text_sanitize(clean, sizeof(clean), r->reason, false);
			wattron(w, ui_attr(ui, r->state == OUTBOX_FAILED ? THEME_ERROR
			                                                 : THEME_DEFAULT));
			for (i = 0; i < left && *p; i++) {
				size_t used = 0, bytes = 0, cw, b;

				size_t space = 0; /* bytes up to the last blank that fits */

				while (i < left - 1 && p[bytes]) {
					b = twidth_next(p + bytes, &cw);
					if (!b || used + cw > vw)
						break;
					bytes += b;
					used += cw;
					if (p[bytes - 1] == ' ')
						space = bytes;
				}
				/* Break after a blank when the row is full and there is one. */
				if (p[bytes] && space)
					bytes = space;
				if (i == left - 1)
					bytes = strlen(p);
				if (!bytes)
					break;
				text_copy(line, bytes + 1 < sizeof(line) ? bytes + 1 : sizeof(line),
				          p);
				ui_text(ui, w, y + i, 14, (int)vw, line, false);
				p += bytes;
			}
			wattroff(w, ui_attr(ui, r->state == OUTBOX_FAILED ? THEME_ERROR
			                                                  : THEME_DEFAULT));
		}
	}
}

static void outbox_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	static const char *const heads[8] = {"ID",     "State",       "Try",  "Person",
	                                     "Number", "Disposition", "When", "Reason"};
	struct outbox_scr *s = state;
	char kr[KEYMAP_NAME_MAX], ke[KEYMAP_NAME_MAX], kd[KEYMAP_NAME_MAX], ka[KEYMAP_NAME_MAX];
	int cw[8], y, x, k, trows = table_rows(rows);
	const struct orow *sel = selected(s);
	size_t i;

	key_of(ui, OUTBOX_RETRY, kr, sizeof(kr));
	key_of(ui, OUTBOX_EDIT, ke, sizeof(ke));
	key_of(ui, OUTBOX_DROP, kd, sizeof(kd));
	key_of(ui, OUTBOX_SHOW_SENT, ka, sizeof(ka));
	if (s->err[0]) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ui_text(ui, w, 0, 1, cols - 2, s->err, false);
		wattroff(w, ui_attr(ui, THEME_ERROR));
	} else if (s->confirm && sel) {
		wattron(w, ui_attr(ui, THEME_WARNING));
		ui_textf(ui, w, 0, 1, cols - 2, false,
		         "Drop record %lld (%s %s, %s)? It will never be sent. y drops, any other "
		         "key keeps it.",
		         (long long)sel->id, sel->kind, sel->key, outbox_state_name(sel->state));
		wattroff(w, ui_attr(ui, THEME_WARNING));
	} else {
		ui_textf(ui, w, 0, 1, cols - 2, false,
		         "%lld pending  %lld sending  %lld failed  %lld conflict  %lld sent%s",
		         (long long)s->counts.queued, (long long)s->counts.sending,
		         (long long)s->counts.failed, (long long)s->counts.conflict,
		         (long long)s->counts.sent, s->show_sent ? "" : " (hidden)");
	}
	/* The screen's keys, from the keymap, on the last row. */
	wattron(w, ui_attr(ui, THEME_MUTED));
	ui_textf(ui, w, rows - 1, 1, cols - 2, false, "%s retry  %s edit  %s drop  %s %s sent", kr,
	         ke, kd, ka, s->show_sent ? "hide" : "show");
	wattroff(w, ui_attr(ui, THEME_MUTED));
	columns(cols, cw);
	wattron(w, ui_attr(ui, THEME_HEADER));
	for (x = 1, k = 0; k < 8; k++) {
		if (!cw[k])
			continue;
		ui_text(ui, w, 1, x, cw[k], heads[k], true);
		x += cw[k] + 1;
	}
	wattroff(w, ui_attr(ui, THEME_HEADER));
	if (s->list.count == 0 && !s->err[0]) {
		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_text(ui, w, 2, 1, cols - 2, "Nothing waits: every record reached Salesloft.",
		        false);
		wattroff(w, ui_attr(ui, THEME_MUTED));
	}
	for (y = 2, i = s->list.top; i < s->list.count && y < 2 + trows; i++, y++) {
		const struct orow *r = &s->rows[i];
		enum theme_elem e = i == s->list.sel              ? THEME_SELECTED
		                    : r->state == OUTBOX_FAILED   ? THEME_ERROR
		                    : r->state == OUTBOX_CONFLICT ? THEME_WARNING
		                    : r->state == OUTBOX_SENT     ? THEME_MUTED
		                                                  : THEME_DEFAULT;
		char id[24], tries[16], when[16];
		const char *cell[8];
		attr_t a = ui_attr(ui, e);

		text_printf(id, sizeof(id), "%lld", (long long)r->id);
		text_printf(tries, sizeof(tries), "%d", r->attempts);
		when_text(r, when, sizeof(when));
		cell[0] = id;
		cell[1] = outbox_state_name(r->state);
		cell[2] = tries;
		cell[3] = r->person[0] ? r->person : r->key;
		cell[4] = r->to[0] ? r->to : "-";
		cell[5] = r->disposition[0] ? r->disposition : "-";
		cell[6] = when;
		cell[7] = r->reason[0] ? r->reason : "-";
		wattron(w, a);
		ui_text(ui, w, y, 0, cols, "", true);
		for (x = 1, k = 0; k < 8; k++) {
			if (!cw[k])
				continue;
			ui_text(ui, w, y, x, cw[k], cell[k], true);
			x += cw[k] + 1;
		}
		wattroff(w, a);
	}
	if (sel && 2 + trows + 1 < rows - 1)
		draw_detail(ui, sel, w, 2 + trows + 1, rows - 1, cols);
}

static void outbox_close(struct ui *ui, void *state)
{
	struct outbox_scr *s = state;

	loop_defer_cancel(&s->reload_job);
	if (s->watching)
		outbox_unwatch(ui_store(ui), on_outbox, s);
	free(s->rows);
	free(s);
}

const struct screen_ops screen_outbox = {
        .name = "outbox",
        .title = "Outbox",
        .keys = "4 O",
        .actions = outbox_actions,
        .nactions = sizeof(outbox_actions) / sizeof(outbox_actions[0]),
        .about = "What loftdial still has to write to Salesloft: records pending (with their next "
                 "try), sending, failed (with the reason: a refusal's errors map, field by field) "
                 "and in conflict; a shows the records already sent. The selected record is shown "
                 "in full below the table. r sends a failed or waiting record again now; e "
                 "corrects a call record Salesloft refused in the disposition picker (the "
                 "team's names; the notes) and queues it; d drops a record for good after a y/n "
                 "question. The same as loftdial outbox retry, fix and drop. The table follows "
                 "the outbox as records are queued, sent and refused.",
        .open = outbox_open,
        .key = outbox_key,
        .keypress = outbox_keypress,
        .draw = outbox_draw,
        .resize = outbox_resize,
        .close = outbox_close,
};
