/*
 * numdial: a numbers file through the gates (see numdial.h). It owns the run's entries (one
 * per line of the file, each its own allocation so the pointer the pool carries as the
 * attempt's tag stays valid), the gates' clock, the check of a number against the store's
 * persons with that number, the pool's pre_dial hook and the saving of ended attempts.
 *
 * The store keeps phones as Salesloft has them ("(415) 555-0134"), so a person is found by
 * the last seven digits in the search index and confirmed by reading each of their phones as
 * a number in phone.default_country: only the same E.164 number counts. The persons found when
 * the file is read are kept with the entry and reused before its INVITE unless the store's
 * change stamp moved since (store_stamp(), less the rows this run wrote itself: its attempts),
 * so an unchanged store costs one PRAGMA there, while a person another process marked
 * do-not-contact in between is read again and refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/attempts.h"
#include "loftdial/config.h"
#include "loftdial/contacts.h"
#include "loftdial/dialplan.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/numbers.h"
#include "loftdial/numdial.h"
#include "loftdial/phone.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

/* Persons the store may have for one number (candidates by their last seven digits). */
#define PERSONS_MAX 20

enum nstate { NENT_WAITING, NENT_DIALLED, NENT_SKIPPED };

/* One line of the file. */
/* A parked number is matched whole: the number kept per entry fits an attempt's record. */
_Static_assert(ATTEMPTS_NUMBER_MAX >= DIALPLAN_URI_MAX,
               "dial_attempts.number must hold every number numdial dials");

struct nent {
	char *input;
	unsigned file_line;
	char number[DIALPLAN_URI_MAX + 1]; /* E.164, else the URI; "" when unusable */
	bool is_e164;
	enum nstate state;
	struct gates_verdict v;  /* the last check's */
	int64_t person_id;       /* the person the last check found, 0 none */
	bool redial_ok;          /* the rep asked to dial it again */
	struct contact *persons; /* the store's persons with this number, as last read */
	size_t npersons;
	bool persons_read; /* persons is the answer of a read at persons_stamp */
	uint64_t persons_stamp;
};

struct numdial {
	struct store *st;
	const struct config *cfg;
	struct numdial_opts o;
	char *data_dir;
	numdial_h *h;
	void *arg;
	struct gates *gates;
	struct pool_opts po;
	struct pool *pool;
	struct nent **ents;
	size_t n, cap;
	unsigned waiting, skipped;
	struct nent *last_ended;
	time_t clock_base;             /* the gates' clock at clock_mono (0: the real clock) */
	unsigned long long clock_mono; /* loop ms when clock_base was set */
	char session[64];
	uint64_t own_changes; /* rows this run wrote itself (its attempts): no person changed */
};

/* What one read of the persons with an entry's number collects. */
struct found {
	const struct numdial *nd;
	const struct nent *x;
	struct contact *v;
	size_t n;
};

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t numdial_now(const struct numdial *nd)
{
	if (!nd || !nd->clock_base)
		return time(NULL);
	return nd->clock_base + (time_t)((loop_now_ms() - nd->clock_mono) / 1000);
}

void numdial_set_clock(struct numdial *nd, time_t now)
{
	if (!nd)
		return;
	nd->clock_base = now;
	nd->clock_mono = loop_now_ms();
}

/* True when one of the person's phones is the number (read in the default country). */
static bool has_number(const struct contact *c, const char *e164, const char *country)
{
	const char *phones[] = {c->phone, c->mobile_phone, c->home_phone};
	struct number num;
	size_t i;

	for (i = 0; i < sizeof(phones) / sizeof(phones[0]); i++)
		if (phones[i][0] && !numbers_normalise(phones[i], country, &num, NULL, 0) &&
		    !strcmp(num.e164, e164))
			return true;
	return false;
}

/* contacts_by_phone's handler: keeps every candidate one of whose phones is the number. */
static int person_found(const struct contact *c, void *arg)
{
	struct found *f = arg;
	struct contact *grown;

	if (!has_number(c, f->x->number, f->nd->po.country))
		return 0;
	grown = realloc(f->v, (f->n + 1) * sizeof(*grown));
	if (!grown)
		return ENOMEM;
	f->v = grown;
	f->v[f->n++] = *c;
	return 0;
}

/* The store's change stamp less the rows this run wrote itself. */
static int persons_stamp(struct numdial *nd, uint64_t *stamp)
{
	int err = store_stamp(nd->st, stamp);

	if (!err)
		*stamp -= nd->own_changes;
	return err;
}

/* Fills x->persons with the persons the store has with x's number, read again only when the
 * store changed since the last read. 0 or an errno from the store. */
static int read_persons(struct numdial *nd, struct nent *x)
{
	struct found f;
	uint64_t stamp;
	int err;

	err = persons_stamp(nd, &stamp);
	if (err)
		return err;
	if (x->persons_read && stamp == x->persons_stamp) {
		log_debug("numdial", "line %u: its persons reused (the store is unchanged)",
		          x->file_line);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.nd = nd;
	f.x = x;
	err = contacts_by_phone(nd->st, x->number + 1, PERSONS_MAX, person_found, &f);
	if (err) {
		free(f.v);
		return err;
	}
	log_debug("numdial", "line %u: %zu person(s) read from the store", x->file_line, f.n);
	free(x->persons);
	x->persons = f.v;
	x->npersons = f.n;
	x->persons_read = true;
	x->persons_stamp = stamp;
	return 0;
}

/* Runs the gates for an entry at the gates' clock: every person with its number, the first
 * refusal, else the first person's verdict; the number alone when nobody has it. Fills x->v
 * and x->person_id. 0, or an errno from the store (the entry must then not be dialled). */
static int check_entry(struct numdial *nd, struct nent *x)
{
	struct gates_subject s;
	struct gates_verdict v, first;
	time_t now = numdial_now(nd);
	int64_t person_id = 0;
	size_t i;
	int err;

	memset(&first, 0, sizeof(first));
	if (x->is_e164) {
		err = read_persons(nd, x);
		if (err)
			return err;
	}
	for (i = 0; x->is_e164 && i < x->npersons; i++) {
		gates_subject_from_contact(&s, &x->persons[i], x->number);
		err = gates_check(nd->gates, &s, now, &v);
		if (err)
			return err;
		if (i == 0 || v.why != GATES_OK) {
			first = v;
			person_id = x->persons[i].id;
		}
		if (v.why != GATES_OK)
			break;
	}
	if (!x->is_e164 || !x->npersons) {
		/* Nobody in the store has it: the number alone (its zone from its digits). */
		memset(&s, 0, sizeof(s));
		s.number = x->number;
		err = gates_check(nd->gates, &s, now, &first);
		if (err)
			return err;
	}
	if (first.why == GATES_NO_ZONE && !x->is_e164)
		text_copy(first.text, sizeof(first.text),
		          "no time zone: a SIP URI without a +number has none (dial.no_zone rep "
		          "judges it in the rep's zone)");
	x->v = first;
	x->person_id = person_id;
	return 0;
}

/* Tells the face that an entry was refused. */
static void tell_skip(struct numdial *nd, const struct nent *x, bool at_dial)
{
	struct numdial_skip sk;
	struct numdial_note n;

	memset(&sk, 0, sizeof(sk));
	sk.file_line = x->file_line;
	sk.input = x->input;
	sk.number = x->number;
	sk.why = x->v.why;
	sk.reason = x->v.text;
	sk.zone = x->v.zone;
	sk.person_id = x->person_id;
	sk.at_dial = at_dial;
	log_info("numdial", "line %u not dialled: %s", x->file_line, x->v.text);
	memset(&n, 0, sizeof(n));
	n.ev = NUMDIAL_EV_SKIPPED;
	n.skip = &sk;
	if (nd->h)
		nd->h(&n, nd->arg);
}

/* Marks an entry refused (a gate, or a store that could not be read) and tells the face. */
static void skip(struct numdial *nd, struct nent *x, int err, bool at_dial)
{
	if (err) {
		x->v.why = GATES_NO_NUMBER;
		text_printf(x->v.text, sizeof(x->v.text), "the gates could not be checked: %s",
		            strerror(err));
	}
	if (x->state == NENT_WAITING && nd->waiting)
		nd->waiting--;
	x->state = NENT_SKIPPED;
	nd->skipped++;
	tell_skip(nd, x, at_dial);
}

/* An entry goes to its INVITE (or to the pool's record of a number it cannot dial). */
static void dialled(struct numdial *nd, struct nent *x)
{
	if (x->state == NENT_WAITING && nd->waiting)
		nd->waiting--;
	x->state = NENT_DIALLED;
	x->redial_ok = false;
}

/* The pool's last word before an INVITE: the gates again, at the clock of now. */
static int pre_dial(void *user, const char *line, char *why, size_t whyn, void *arg)
{
	struct numdial *nd = arg;
	struct nent *x = user;
	int err;

	(void)line;
	if (!x->number[0]) {
		/* Unusable: the pool records it as never dialled, with its reason. */
		dialled(nd, x);
		return 0;
	}
	err = check_entry(nd, x);
	if (err || (x->v.why != GATES_OK && !(x->v.why == GATES_DIALLED && x->redial_ok))) {
		skip(nd, x, err, true);
		text_copy(why, whyn, x->v.text);
		return err ? err : EPERM;
	}
	err = gates_dialled(nd->gates, x->number);
	if (err)
		log_warn("numdial", "the once-per-run gate cannot keep %s: %s", x->number,
		         strerror(err));
	dialled(nd, x);
	return 0;
}

/* Saves an ended attempt with the person and the zone it was dialled in. */
static void save_attempt(struct numdial *nd, const struct pool_attempt *a)
{
	const struct nent *x = a->user;
	struct attempt rec;
	uint64_t before;
	int err;

	pool_attempt_row(&rec, nd->session, a);
	if (x && x->is_e164)
		text_copy(rec.number, sizeof(rec.number), x->number); /* parked by the number */
	if (x) {
		rec.person_id = x->person_id;
		if (x->v.why == GATES_OK && x->v.zone[0] && a->line) {
			text_copy(rec.zone, sizeof(rec.zone), x->v.zone);
			rec.local_min = x->v.local_min;
		}
	}
	before = store_changes(nd->st);
	err = attempts_insert(nd->st, &rec);
	/* The run's own rows change no person: they leave the persons' stamp where it was. */
	nd->own_changes += store_changes(nd->st) - before;
	if (err)
		log_warn("numdial", "could not save attempt %u: %s", a->id, strerror(err));
}

static void on_pool(const struct pool_note *pn, void *arg)
{
	struct numdial *nd = arg;
	struct numdial_note n;

	if (pn->ev == POOL_EV_ENDED && pn->a) {
		save_attempt(nd, pn->a);
		if (pn->a->user)
			nd->last_ended = pn->a->user;
	}
	memset(&n, 0, sizeof(n));
	n.ev = NUMDIAL_EV_POOL;
	n.pool = pn;
	if (nd->h)
		nd->h(&n, nd->arg);
}

int numdial_new(struct numdial **np, struct store *st, const struct config *cfg,
                const struct numdial_opts *o, numdial_h *h, void *arg, char *why, size_t whyn)
{
	struct numdial *nd;
	struct gates_cfg gc;
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!np || !st || !cfg || !o) {
		text_copy(why, whyn, "a numbers run needs the store and the config");
		return EINVAL;
	}
	if (o->lines > PHONE_LINES_MAX) {
		text_printf(why, whyn, "lines go from 1 to %d", PHONE_LINES_MAX);
		return EINVAL;
	}
	err = gates_cfg_from_config(&gc, cfg, why, whyn);
	if (err)
		return err;
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return ENOMEM;
	nd->st = st;
	nd->cfg = cfg;
	nd->o = *o;
	nd->h = h;
	nd->arg = arg;
	nd->data_dir = strdup(o->data_dir ? o->data_dir : "");
	if (!nd->data_dir) {
		err = ENOMEM;
		goto out;
	}
	nd->o.data_dir = nd->data_dir;
	if (!nd->o.lines)
		nd->o.lines = (unsigned)config_int(cfg, "dial.lines");
	if (nd->o.lines < 1 || nd->o.lines > PHONE_LINES_MAX)
		nd->o.lines = 1;
	if (o->now)
		numdial_set_clock(nd, o->now);
	err = gates_new(&nd->gates, &gc, st);
	if (err)
		goto out;
	pool_opts_from_config(&nd->po, cfg, o->talk_s);
	nd->po.pre_dial = pre_dial;
	nd->po.pre_dial_arg = nd;
	text_printf(nd->session, sizeof(nd->session), "dial-%lld-%d", (long long)unix_ms(),
	            (int)getpid());
	*np = nd;
	return 0;
out:
	numdial_free(nd);
	return err;
}

void numdial_free(struct numdial *nd)
{
	size_t i;

	if (!nd)
		return;
	pool_free(nd->pool);
	gates_free(nd->gates);
	for (i = 0; i < nd->n; i++) {
		free(nd->ents[i]->persons);
		free(nd->ents[i]->input);
		free(nd->ents[i]);
	}
	free(nd->ents);
	free(nd->data_dir);
	free(nd);
}

/* The E.164 number a SIP URI's user part spells ("sip:+14155550134@carrier;user=phone"), so
 * the number has a zone and a person; false for any other user part (a name, no '+'). */
static bool uri_number(const char *uri, char *e164, size_t n)
{
	const char *user = strchr(uri, ':');
	char digits[NUMBERS_E164_MAX + 2];
	struct number num;
	size_t len;

	if (!user || user[1] != '+')
		return false;
	user++;
	len = strcspn(user, "@;");
	if (user[len] != '@' || len < 8 || len >= sizeof(digits) ||
	    strspn(user + 1, "0123456789") != len - 1)
		return false;
	memcpy(digits, user, len);
	digits[len] = '\0';
	if (numbers_normalise(digits, "", &num, NULL, 0))
		return false;
	return !text_copy(e164, n, num.e164);
}

int numdial_add(struct numdial *nd, const char *line, unsigned file_line)
{
	struct dial_target t;
	struct nent *x;
	int err;

	if (!nd || !line)
		return EINVAL;
	if (nd->n == nd->cap) {
		size_t cap = nd->cap ? nd->cap * 2 : 64;
		struct nent **nv = realloc(nd->ents, cap * sizeof(*nv));

		if (!nv)
			return ENOMEM;
		nd->ents = nv;
		nd->cap = cap;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return ENOMEM;
	x->input = strdup(line);
	if (!x->input) {
		free(x);
		return ENOMEM;
	}
	x->file_line = file_line;
	if (!dialplan_target(line, nd->po.country, nd->po.dialplan, &t, NULL, 0)) {
		x->is_e164 = t.e164[0] != '\0' || uri_number(t.uri, t.e164, sizeof(t.e164));
		text_copy(x->number, sizeof(x->number), x->is_e164 ? t.e164 : t.uri);
	}
	nd->ents[nd->n++] = x;
	x->state = NENT_WAITING;
	nd->waiting++;
	if (!x->number[0])
		return 0; /* the pool says why it cannot be dialled */
	err = check_entry(nd, x);
	if (err || x->v.why != GATES_OK)
		skip(nd, x, err, false);
	return 0;
}

unsigned numdial_waiting(const struct numdial *nd)
{
	return nd ? nd->waiting : 0;
}

unsigned numdial_skipped(const struct numdial *nd)
{
	return nd ? nd->skipped : 0;
}

int numdial_start(struct numdial *nd, char *why, size_t whyn)
{
	struct phone_opts ph;
	size_t i;
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!nd)
		return EINVAL;
	if (nd->pool)
		return EALREADY;
	phone_opts_from_config(&ph, nd->cfg, nd->data_dir, nd->o.lines);
	err = pool_new(&nd->pool, &nd->po, &ph, on_pool, nd, why, whyn);
	if (err) {
		nd->pool = NULL;
		return err;
	}
	for (i = 0; i < nd->n; i++) {
		struct nent *x = nd->ents[i];

		if (x->state != NENT_WAITING)
			continue;
		/* The reader checked each line as pool_add does; a refusal here is a bug, and the
		 * line is still not dialled. */
		err = pool_add(nd->pool, x->input, x);
		if (err) {
			x->v.why = GATES_NO_NUMBER;
			text_printf(x->v.text, sizeof(x->v.text), "the pool refused the line: %s",
			            strerror(err));
			log_error("numdial", "pool_add refused a checked line: %s", strerror(err));
			skip(nd, x, 0, false);
		}
	}
	log_info("numdial",
	         "session %s: %u number(s) to dial, %u refused by the gates, on %u "
	         "line(s)",
	         nd->session, nd->waiting, nd->skipped, nd->o.lines);
	pool_start(nd->pool);
	return 0;
}

void numdial_stop(struct numdial *nd)
{
	if (nd && nd->pool)
		pool_stop(nd->pool);
}

struct pool *numdial_pool(const struct numdial *nd)
{
	return nd ? nd->pool : NULL;
}

int numdial_redial(struct numdial *nd)
{
	int err;

	if (!nd || !nd->pool)
		return EINVAL;
	if (!nd->last_ended)
		return ENOENT;
	nd->last_ended->redial_ok = true;
	err = pool_redial(nd->pool);
	if (err)
		nd->last_ended->redial_ok = false;
	return err;
}
