/*
 * The Contacts screen: search as you type over the local store, results as a table, Enter
 * opens a card with what the store knows about the person.
 *
 * `/` opens the prompt; every keystroke runs contacts_search() (the store's FTS index; no SQL
 * here) for the words typed so far and refreshes the table. Every field is hostile text from
 * Salesloft and is drawn through ui_text(), cut to its column by display width, so a name
 * with escape sequences, bidi overrides, combining marks, emoji or 5 kB of text keeps every
 * row's columns in place. The card is a sub-view: q or Esc closes it and returns to the list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loftdial/callhist.h"
#include "loftdial/contacts.h"
#include "loftdial/dsession.h"
#include "loftdial/personcad.h"
#include "loftdial/text.h"
#include "loftdial/tzone.h"

#include "screen.h"

#define CONTACTS_MAX 200 /* rows kept per search */
#define CARD_CADS    8   /* cadences read for the card */
#define CARD_CALLS   10  /* recent calls read for the card */
#define CARD_VALUE_X 14  /* the column where the card's values start */

enum contacts_action {
	CONTACTS_DIAL = UI_ACT_SCREEN,
};

static const struct keymap_action contacts_actions[] = {
        {CONTACTS_DIAL, "dial", "d", "Dial this person now (the dial session, one person)"},
};

struct contacts {
	struct contact *rows;
	struct ui_list list;
	char query[256];
	bool card;      /* the card of the selected row is open */
	bool card_only; /* opened on one person's card (from Calls): back closes the screen */
	int rows_shown;
	/* What the open card shows beyond the row: read from the store when it opens. */
	struct personcad cads[CARD_CADS];
	int ncads;
	struct callhist calls[CARD_CALLS];
	int ncalls;
};

/* The person's local time as "HH:MM" (their zone, else their offset, else the account's
 * zone), or "" when unknown. */
static void local_time(const struct contact *c, char *out, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	out[0] = '\0';
	if ((c->locale[0] && !tzone_local(c->locale, now, &tm)) ||
	    (c->has_utc_offset && !tzone_fixed(c->utc_offset_min, now, &tm)) ||
	    (c->account_locale[0] && !tzone_local(c->account_locale, now, &tm)))
		strftime(out, n, "%H:%M", &tm);
}

/* The name to show: display_name, else first and last. */
static void name_of(const struct contact *c, char *out, size_t n)
{
	if (c->display_name[0])
		text_copy(out, n, c->display_name);
	else
		text_printf(out, n, "%s%s%s", c->first_name, c->first_name[0] ? " " : "",
		            c->last_name);
}

/* One search result into the table. */
static int add_row(const struct contact *c, void *arg)
{
	struct contacts *s = arg;

	if (s->list.count >= CONTACTS_MAX)
		return 1;
	s->rows[s->list.count++] = *c;
	return 0;
}

/* Runs the search for text (the whole table is replaced). */
static int run_search(struct ui *ui, struct contacts *s, const char *text)
{
	struct store *st = ui_store(ui);
	int err;

	text_copy(s->query, sizeof(s->query), text);
	s->list.count = s->list.sel = s->list.top = 0;
	s->list.follow = false;
	s->card = s->card_only = false;
	if (!st || !text[0])
		return UI_REDRAW;
	err = contacts_search(st, text, CONTACTS_MAX, add_row, s);
	if (err && err != 1)
		ui_status(ui, THEME_ERROR, "search failed: %s", strerror(err));
	ui_list_fit(&s->list, s->rows_shown);
	return UI_REDRAW;
}

static void card_load(struct ui *ui, struct contacts *s);

static int contacts_open(struct ui *ui, void **state)
{
	struct contacts *s = calloc(1, sizeof(*s));
	const void *arg;
	size_t len;
	int64_t id;
	int err;

	if (!s)
		return ENOMEM;
	s->rows = calloc(CONTACTS_MAX, sizeof(*s->rows));
	if (!s->rows) {
		free(s);
		return ENOMEM;
	}
	s->rows_shown = 1;
	/* Pushed with a person's id (the Calls screen's Enter): that person's card. */
	arg = ui_open_arg(ui, &len);
	if (arg && len == sizeof(id)) {
		memcpy(&id, arg, sizeof(id));
		err = ui_store(ui) ? contacts_get(ui_store(ui), id, &s->rows[0]) : ENOENT;
		if (err) {
			ui_status(ui, THEME_WARNING, "person %lld is not in the local store%s",
			          (long long)id, err == ENOENT ? " (sync the people first)" : "");
		} else {
			s->list.count = 1;
			s->card = s->card_only = true;
			card_load(ui, s);
		}
	}
	*state = s;
	return 0;
}

static void contacts_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct contacts *s = state;

	s->rows_shown = rows > 3 ? rows - 3 : 1;
	ui_list_fit(&s->list, s->rows_shown);
}

/* d: hands the selected person to the dial session screen ("session", a dsession_target
 * with person_id); a person who must not be called is refused here already. */
static int dial_person(struct ui *ui, struct contacts *s)
{
	const struct contact *c;
	struct dsession_target t;
	int err;

	if (s->list.sel >= s->list.count)
		return UI_NONE;
	c = &s->rows[s->list.sel];
	memset(&t, 0, sizeof(t));
	t.person_id = c->id;
	name_of(c, t.label, sizeof(t.label));
	if (c->do_not_contact || c->no_call) {
		ui_status(ui, THEME_WARNING, "%s is %s: not dialled", t.label,
		          c->do_not_contact ? "marked do not contact" : "restricted from calls");
		return UI_REDRAW;
	}
	err = ui_push_arg(ui, "session", &t, sizeof(t));
	if (err == 0)
		return UI_PUSH;
	ui_status(ui, THEME_ERROR, "the dial session cannot open: %s", strerror(err));
	return UI_REDRAW;
}

static int add_cad(const struct personcad *m, void *arg)
{
	struct contacts *s = arg;

	if (s->ncads >= CARD_CADS)
		return 1;
	s->cads[s->ncads++] = *m;
	return 0;
}

static int add_call(const struct callhist *c, void *arg)
{
	struct contacts *s = arg;

	if (s->ncalls >= CARD_CALLS)
		return 1;
	s->calls[s->ncalls++] = *c;
	return 0;
}

/* Reads the selected person's cadences and recent calls for the card, once as it opens (the
 * card never reads the store while it draws). A failure is said on the status line and the
 * card shows what it has. */
static void card_load(struct ui *ui, struct contacts *s)
{
	struct store *st = ui_store(ui);
	int64_t id = s->rows[s->list.sel].id;
	int err;

	s->ncads = s->ncalls = 0;
	if (!st)
		return;
	err = personcad_list(st, id, CARD_CADS, add_cad, s);
	if (err && err != 1)
		ui_status(ui, THEME_ERROR, "cadences of this person: %s", strerror(err));
	err = callhist_person(st, id, CARD_CALLS, add_call, s);
	if (err && err != 1)
		ui_status(ui, THEME_ERROR, "calls of this person: %s", strerror(err));
}

static int contacts_key(struct ui *ui, void *state, int action)
{
	struct contacts *s = state;

	if (action == CONTACTS_DIAL)
		return dial_person(ui, s);
	if (s->card) {
		if (action == UI_ACT_BACK) {
			if (s->card_only)
				return UI_NONE; /* back to the screen that opened the card */
			s->card = false;
			return UI_REDRAW;
		}
		return UI_NONE;
	}
	if (action == UI_ACT_SELECT) {
		if (s->list.count == 0)
			return UI_NONE;
		s->card = true;
		card_load(ui, s);
		return UI_REDRAW;
	}
	return ui_list_key(&s->list, action, s->rows_shown);
}

static int contacts_search_op(struct ui *ui, void *state, const char *text)
{
	return run_search(ui, state, text);
}

/* Column widths for the table at a width: name, title, company, phone, local time. */
static void columns(int cols, int w[5])
{
	int rest;

	w[3] = 17;
	w[4] = 5;
	rest = cols - 2 - w[3] - w[4] - 4; /* a margin each side, four gaps between columns */
	if (rest < 30)
		rest = 30;
	w[0] = rest * 4 / 10;
	w[1] = rest * 3 / 10;
	w[2] = rest - w[0] - w[1];
}

/* True for "" and an empty JSON array. */
static bool json_list_empty(const char *s)
{
	return !s[0] || !strcmp(s, "[]");
}

/* A section label of the card in the label column. */
static void card_label(struct ui *ui, WINDOW *w, int y, const char *label)
{
	wattron(w, ui_attr(ui, THEME_MUTED));
	ui_text(ui, w, y, 1, CARD_VALUE_X - 2, label, false);
	wattroff(w, ui_attr(ui, THEME_MUTED));
}

/* One cadence of the card: its name, then the current step (or the state off the cadence),
 * each in its own columns by display width. */
static void draw_cadence(struct ui *ui, WINDOW *w, int y, int vw, const struct personcad *m)
{
	int nw = vw * 2 / 5, x = CARD_VALUE_X;
	char name[280];

	if (m->cadence[0])
		text_copy(name, sizeof(name), m->cadence);
	else
		text_printf(name, sizeof(name), "cadence %lld", (long long)m->cadence_id);
	ui_text(ui, w, y, x, nw, name, true);
	x += nw + 1;
	if (!m->on_cadence)
		ui_textf(ui, w, y, x, vw - nw - 1, false, "%s", m->state[0] ? m->state : "off");
	else if (m->step_id)
		ui_textf(ui, w, y, x, vw - nw - 1, false, "%s (%s)",
		         m->step_name[0] ? m->step_name : "step", m->state);
	else
		ui_textf(ui, w, y, x, vw - nw - 1, false, "no step left (%s)", m->state);
}

/* One recent call: when, the disposition (and the outbox state until it is sent), the
 * duration and the note, in columns by display width. */
static void draw_call(struct ui *ui, WINDOW *w, int y, int vw, const struct callhist *c)
{
	time_t at = (time_t)c->at;
	struct tm tm;
	char when[32] = "", disp[160];
	int x = CARD_VALUE_X, dw = vw >= 80 ? 20 : 12;

	if (c->at > 0 && localtime_r(&at, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	ui_text(ui, w, y, x, 16, when, true);
	x += 17;
	if (c->state[0] && strcmp(c->state, "sent"))
		text_printf(disp, sizeof(disp), "%s, %s", c->disposition[0] ? c->disposition : "-",
		            c->state);
	else
		text_copy(disp, sizeof(disp), c->disposition[0] ? c->disposition : "-");
	ui_text(ui, w, y, x, dw, disp, true);
	x += dw + 1;
	ui_textf(ui, w, y, x, 6, true, "%lld:%02lld", (long long)(c->duration_s / 60),
	         (long long)(c->duration_s % 60));
	x += 7;
	if (CARD_VALUE_X + vw > x)
		ui_text(ui, w, y, x, CARD_VALUE_X + vw - x, c->notes, false);
}

/* The card's cadences and recent calls from y down to the row above the last, each list
 * cut to share the rows left; "none" for an empty list. */
static void draw_card_lists(struct ui *ui, struct contacts *s, WINDOW *w, int y, int rows, int cols)
{
	int avail = rows - 1 - y, vw = cols - CARD_VALUE_X - 1;
	int want_c = s->ncads > 0 ? s->ncads : 1, want_k = s->ncalls > 0 ? s->ncalls : 1;
	int nc, nk, i;

	if (avail < 2 || vw < 20)
		return;
	if (avail > want_c + want_k) {
		y++; /* room for a gap */
		avail--;
	}
	nk = want_k < avail / 2 ? want_k : avail / 2;
	nc = want_c < avail - nk ? want_c : avail - nk;
	nk = want_k < avail - nc ? want_k : avail - nc;
	card_label(ui, w, y, "Cadences");
	if (s->ncads == 0)
		ui_text(ui, w, y++, CARD_VALUE_X, vw, "none", false);
	for (i = 0; i < s->ncads && i < nc; i++)
		draw_cadence(ui, w, y++, vw, &s->cads[i]);
	card_label(ui, w, y, "Recent calls");
	if (s->ncalls == 0)
		ui_text(ui, w, y++, CARD_VALUE_X, vw, "none", false);
	for (i = 0; i < s->ncalls && i < nk; i++)
		draw_call(ui, w, y++, vw, &s->calls[i]);
}

/* The card of one contact. */
static void draw_card(struct ui *ui, struct contacts *s, const struct contact *c, WINDOW *w,
                      int rows, int cols)
{
	char name[512], lt[16], phones[256];
	int y = 0, x = CARD_VALUE_X, vw = cols - CARD_VALUE_X - 1;

	name_of(c, name, sizeof(name));
	local_time(c, lt, sizeof(lt));
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_text(ui, w, y++, 1, cols - 2, name, false);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	y++;
#define ROW(label, ...)                                                                            \
	do {                                                                                       \
		if (y < rows) {                                                                    \
			wattron(w, ui_attr(ui, THEME_MUTED));                                      \
			ui_text(ui, w, y, 1, x - 2, label, false);                                 \
			wattroff(w, ui_attr(ui, THEME_MUTED));                                     \
			ui_textf(ui, w, y, x, vw, false, __VA_ARGS__);                             \
			y++;                                                                       \
		}                                                                                  \
	} while (0)
	ROW("Title", "%s", c->title[0] ? c->title : "-");
	ROW("Company", "%s", c->company[0] ? c->company : "-");
	ROW("Email", "%s", c->email[0] ? c->email : "-");
	text_printf(phones, sizeof(phones), "%s%s%s%s%s%s%s", c->phone[0] ? c->phone : "-",
	            c->phone_extension[0] ? " ext " : "", c->phone_extension,
	            c->mobile_phone[0] ? "  mobile " : "", c->mobile_phone,
	            c->home_phone[0] ? "  home " : "", c->home_phone);
	ROW("Phones", "%s", phones);
	ROW("Time zone", "%s%s%s",
	    c->locale[0]           ? c->locale
	    : c->account_locale[0] ? c->account_locale
	                           : "unknown",
	    lt[0] ? ", local time " : "", lt);
	if (c->do_not_contact || c->no_call) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ROW("Calls", "%s", c->do_not_contact ? "do not contact" : "restricted: no calls");
		wattroff(w, ui_attr(ui, THEME_ERROR));
	} else {
		ROW("Calls", "%s", "allowed");
	}
	ROW("Restrictions", "%s",
	    json_list_empty(c->contact_restrictions) ? "none" : c->contact_restrictions);
	ROW("Tags", "%s", json_list_empty(c->tags) ? "none" : c->tags);
	ROW("Salesloft id", "%lld", (long long)c->id);
#undef ROW
	draw_card_lists(ui, s, w, y, rows, cols);
	wattron(w, ui_attr(ui, THEME_MUTED));
	ui_text(ui, w, rows - 1, 1, cols - 2,
	        "d dials this person; q or Esc goes back to the list.", false);
	wattroff(w, ui_attr(ui, THEME_MUTED));
}

static void contacts_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct contacts *s = state;
	int cw[5], y, x;
	size_t i;

	if (s->card && s->list.sel < s->list.count) {
		draw_card(ui, s, &s->rows[s->list.sel], w, rows, cols);
		return;
	}
	if (!s->query[0]) {
		ui_text(ui, w, 0, 1, cols - 2, "Type / and a name, company, title, email or phone.",
		        false);
	} else {
		ui_textf(ui, w, 0, 1, cols - 2, false, "%zu%s contacts match '%s'", s->list.count,
		         s->list.count >= CONTACTS_MAX ? "+" : "", s->query);
	}
	columns(cols, cw);
	wattron(w, ui_attr(ui, THEME_HEADER));
	x = 1;
	ui_text(ui, w, 1, x, cw[0], "Name", true);
	x += cw[0] + 1;
	ui_text(ui, w, 1, x, cw[1], "Title", true);
	x += cw[1] + 1;
	ui_text(ui, w, 1, x, cw[2], "Company", true);
	x += cw[2] + 1;
	ui_text(ui, w, 1, x, cw[3], "Phone", true);
	x += cw[3] + 1;
	ui_text(ui, w, 1, x, cw[4], "Local", true);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	for (y = 2, i = s->list.top; i < s->list.count && y < rows; i++, y++) {
		const struct contact *c = &s->rows[i];
		bool sel = i == s->list.sel;
		attr_t a = ui_attr(ui, sel                                 ? THEME_SELECTED
		                       : (c->do_not_contact || c->no_call) ? THEME_MUTED
		                                                           : THEME_DEFAULT);
		char name[512], lt[16];

		name_of(c, name, sizeof(name));
		local_time(c, lt, sizeof(lt));
		wattron(w, a);
		/* The whole row first, so the gaps between columns carry the row's colours. */
		ui_text(ui, w, y, 0, cols, "", true);
		x = 1;
		ui_text(ui, w, y, x, cw[0], name, true);
		x += cw[0] + 1;
		ui_text(ui, w, y, x, cw[1], c->title, true);
		x += cw[1] + 1;
		ui_text(ui, w, y, x, cw[2], c->company, true);
		x += cw[2] + 1;
		ui_text(ui, w, y, x, cw[3], c->phone[0] ? c->phone : c->mobile_phone, true);
		x += cw[3] + 1;
		ui_text(ui, w, y, x, cw[4], lt, true);
		wattroff(w, a);
	}
}

static void contacts_close(struct ui *ui, void *state)
{
	struct contacts *s = state;

	free(s->rows);
	free(s);
}

const struct screen_ops screen_contacts = {
        .name = "contacts",
        .title = "Contacts",
        .keys = "2 C",
        .actions = contacts_actions,
        .nactions = sizeof(contacts_actions) / sizeof(contacts_actions[0]),
        .about = "Search the contacts in the local store as you type (/ then words: names, "
                 "company, title, email, phones; every word must match, as a prefix). Enter "
                 "opens the selected contact's card; d dials the selected person (from the list or "
                 "the card); q or Esc closes it. Contacts marked do "
                 "not contact or restricted from calls are dimmed.",
        .open = contacts_open,
        .key = contacts_key,
        .draw = contacts_draw,
        .resize = contacts_resize,
        .search = contacts_search_op,
        .input = contacts_search_op,
        .close = contacts_close,
};
