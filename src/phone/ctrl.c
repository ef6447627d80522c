/*
 * ctrl: the ctrl_tcp connection: socket, write queue, frame decoding, token matching.
 *
 * The object is reference counted with libre's mem: every loop callback takes a reference for
 * its duration, so a handler may call ctrl_close() (or drop the owner that holds the ctrl)
 * and the callback still unwinds on valid memory, checking `closed` after each handler it
 * runs. Failures found while the caller is inside ctrl_connect() or ctrl_send() are reported
 * from a zero-delay timer instead, so no handler ever runs inside a call the owner made.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/ctrl.h"
#include "loftdial/loop.h"
#include "loftdial/ctrlmsg.h"
#include "loftdial/log.h"
#include "loftdial/netstring.h"
#include "loftdial/text.h"

#define READ_CHUNK (16 * 1024)

struct ctrl_req {
	struct le le;
	unsigned first; /* token of the first command */
	size_t n, got;
	struct ctrl_result res[CTRL_BATCH_MAX];
	char *data[CTRL_BATCH_MAX];
	struct tmr tmr;
	struct ctrl *c;
	ctrl_resp_h *h;
	void *arg;
};

struct ctrl {
	int fd;
	bool connecting, up, dead, closed;
	int pending_err; /* reported by fail_job */
	struct netstring_dec *dec;
	struct mbuf *outq; /* bytes [sent, end) still to write */
	size_t sent;
	struct list reqs;
	unsigned next_token;
	struct tmr conn_tmr;
	struct loop_job fail_job; /* a failure found inside an API call, reported after it */
	ctrl_state_h *stateh;
	ctrl_event_h *evh;
	void *arg;
	char addr[64];
};

/* Frees a batch without running its handler. */
static void req_free(struct ctrl_req *r)
{
	size_t i;

	tmr_cancel(&r->tmr);
	list_unlink(&r->le);
	for (i = 0; i < r->n; i++)
		free(r->data[i]);
	free(r);
}

/* Stops all I/O and drops pending batches without running their handlers. */
static void teardown(struct ctrl *c)
{
	struct le *le;

	if (c->fd >= 0) {
		fd_close(c->fd);
		close(c->fd);
		c->fd = -1;
	}
	tmr_cancel(&c->conn_tmr);
	loop_defer_cancel(&c->fail_job);
	while ((le = list_head(&c->reqs)) != NULL)
		req_free(le->data);
	c->up = c->connecting = false;
}

/* mem destructor: whatever is still open goes. */
static void destructor(void *arg)
{
	struct ctrl *c = arg;

	teardown(c);
	netstring_dec_free(c->dec);
	mem_deref(c->outq);
}

/* The connection is over: report it once. */
static void broken(struct ctrl *c, int err)
{
	if (c->dead || c->closed)
		return;
	c->dead = true;
	teardown(c);
	log_debug("ctrl", "%s: connection ended: %s", c->addr, strerror(err));
	if (c->stateh)
		c->stateh(err ? err : ECONNRESET, c->arg);
}

/* Reports a failure found inside an API call, from the loop. */
static void fail_due(void *arg)
{
	struct ctrl *c = arg;

	mem_ref(c);
	broken(c, c->pending_err);
	mem_deref(c);
}

/* Schedules a failure report for the next loop turn. */
static void fail_later(struct ctrl *c, int err)
{
	if (c->dead || loop_deferred(&c->fail_job))
		return;
	c->pending_err = err;
	loop_defer(&c->fail_job, fail_due, c);
}

static void fd_handler(int flags, void *arg);

/* Watches the socket for reads, and for writes while there is something queued. */
static int watch(struct ctrl *c)
{
	int flags = FD_READ;

	if (c->connecting || (c->outq && c->outq->end > c->sent))
		flags |= FD_WRITE;
	return fd_listen(c->fd, flags, fd_handler, c);
}

/* Writes as much of the queue as the socket takes. */
static int flush(struct ctrl *c)
{
	while (c->sent < c->outq->end) {
		ssize_t w =
		        send(c->fd, c->outq->buf + c->sent, c->outq->end - c->sent, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return errno;
		}
		c->sent += (size_t)w;
	}
	if (c->sent == c->outq->end)
		c->sent = c->outq->end = c->outq->pos = 0;
	return watch(c);
}

/* Finds the batch a response token belongs to. */
static struct ctrl_req *req_find(struct ctrl *c, const char *token, size_t *idx)
{
	char *end;
	unsigned long t;
	struct le *le;

	if (!token || !*token)
		return NULL;
	t = strtoul(token, &end, 10);
	if (*end)
		return NULL;
	for (le = list_head(&c->reqs); le; le = le->next) {
		struct ctrl_req *r = le->data;

		if (t >= r->first && t < r->first + r->n) {
			*idx = t - r->first;
			return r;
		}
	}
	return NULL;
}

/* Runs a batch's handler and frees it. */
static void req_done(struct ctrl_req *r, int err)
{
	ctrl_resp_h *h = r->h;
	void *arg = r->arg;
	struct ctrl_result res[CTRL_BATCH_MAX];
	size_t n = r->n;

	tmr_cancel(&r->tmr);
	list_unlink(&r->le);
	memcpy(res, r->res, sizeof(res));
	if (h)
		h(err, res, n, arg);
	req_free(r);
}

/* Handles one frame; false when the connection must be dropped. */
static void dispatch(struct ctrl *c, const char *payload, size_t len)
{
	struct ctrlmsg m;
	struct ctrl_req *r;
	size_t idx = 0;

	if (ctrlmsg_parse(&m, payload, len)) {
		char shown[120];

		text_sanitize(shown, sizeof(shown), payload, true);
		log_warn("ctrl", "%s: ignoring a malformed message: %s", c->addr, shown);
		return;
	}
	if (m.kind == CTRLMSG_EVENT) {
		if (c->evh)
			c->evh(&m, c->arg);
	} else {
		r = req_find(c, m.token, &idx);
		if (r && !r->res[idx].answered) {
			r->data[idx] = strdup(m.data);
			r->res[idx].answered = true;
			r->res[idx].ok = m.ok;
			r->res[idx].data = r->data[idx] ? r->data[idx] : "";
			if (++r->got == r->n)
				req_done(r, 0);
		} else {
			log_debug("ctrl", "%s: response with unknown token", c->addr);
		}
	}
	ctrlmsg_free(&m);
}

/* Reads everything available and dispatches whole frames. */
static void readable(struct ctrl *c)
{
	char buf[READ_CHUNK];
	int one = 1;

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		const char *payload;
		size_t len;
		int err;

		if (n == 0) {
			broken(c, ECONNRESET);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				broken(c, errno);
			return;
		}
		/* baresip writes each event and response separately and without TCP_NODELAY, so
		 * Nagle holds its next frame until we ACK the last one: ACK at once, not after the
		 * 40 ms delayed-ACK timer (quick ACK mode does not stick, so set it every read). */
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		err = netstring_dec_feed(c->dec, buf, (size_t)n);
		while (!err && !(err = netstring_dec_next(c->dec, &payload, &len))) {
			dispatch(c, payload, len);
			if (c->closed || c->dead)
				return;
		}
		if (err != EAGAIN) {
			log_warn("ctrl", "%s: bad framing from baresip: %s", c->addr,
			         strerror(err));
			broken(c, EBADMSG);
			return;
		}
	}
}

/* The socket is connected, readable or writable. */
static void fd_handler(int flags, void *arg)
{
	struct ctrl *c = arg;

	mem_ref(c);
	if (c->connecting && (flags & (FD_WRITE | FD_EXCEPT | FD_READ))) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			broken(c, soerr);
			goto out;
		}
		c->connecting = false;
		c->up = true;
		tmr_cancel(&c->conn_tmr);
		(void)watch(c);
		if (c->stateh)
			c->stateh(0, c->arg);
		if (c->closed || c->dead)
			goto out;
	}
	if (flags & FD_READ) {
		readable(c);
		if (c->closed || c->dead)
			goto out;
	}
	if (c->up && (flags & FD_WRITE)) {
		int err = flush(c);

		if (err)
			broken(c, err);
	}
out:
	mem_deref(c);
}

/* The connect did not complete in time. */
static void conn_timeout(void *arg)
{
	struct ctrl *c = arg;

	mem_ref(c);
	broken(c, ETIMEDOUT);
	mem_deref(c);
}

int ctrl_connect(struct ctrl **cp, const char *addr, unsigned connect_ms, ctrl_state_h *stateh,
                 ctrl_event_h *evh, void *arg)
{
	struct ctrl *c;
	struct sa sa;
	int err, one = 1;

	if (!cp || !addr)
		return EINVAL;
	err = sa_decode(&sa, addr, strlen(addr));
	if (err)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), destructor);
	if (!c)
		return ENOMEM;
	c->fd = -1;
	c->stateh = stateh;
	c->evh = evh;
	c->arg = arg;
	c->next_token = 1;
	text_copy(c->addr, sizeof(c->addr), addr);
	list_init(&c->reqs);
	tmr_init(&c->conn_tmr);
	loop_job_init(&c->fail_job);
	err = netstring_dec_new(&c->dec, CTRL_FRAME_MAX);
	if (err)
		goto out;
	c->outq = mbuf_alloc(1024);
	if (!c->outq) {
		err = ENOMEM;
		goto out;
	}
	c->fd = socket(sa_af(&sa), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = errno;
		goto out;
	}
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->connecting = true;
	if (connect(c->fd, &sa.u.sa, sa.len) < 0 && errno != EINPROGRESS) {
		/* Refused at once (nothing listens yet): say so from the loop. */
		fail_later(c, errno);
	} else {
		err = watch(c);
		if (err)
			goto out;
		tmr_start(&c->conn_tmr, connect_ms ? connect_ms : 3000, conn_timeout, c);
	}
	*cp = c;
	return 0;
out:
	mem_deref(c);
	return err;
}

/* A batch's responses did not all come in time. */
static void req_timeout(void *arg)
{
	struct ctrl_req *r = arg;
	struct ctrl *c = r->c;

	mem_ref(c);
	log_warn("ctrl", "%s: no response in time to a batch of %zu command(s)", c->addr, r->n);
	req_done(r, ETIMEDOUT);
	mem_deref(c);
}

int ctrl_send(struct ctrl *c, const struct ctrl_cmd *cmds, size_t n, unsigned timeout_ms,
              ctrl_resp_h *h, void *arg)
{
	struct ctrl_req *r;
	size_t i, start;
	int err = 0;

	if (!c || !cmds || n == 0 || n > CTRL_BATCH_MAX)
		return EINVAL;
	if (!c->up || c->dead || c->closed)
		return ENOTCONN;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->first = c->next_token;
	r->n = n;
	r->c = c;
	r->h = h;
	r->arg = arg;
	tmr_init(&r->tmr);
	start = c->outq->end;
	for (i = 0; i < n; i++) {
		char token[16];

		snprintf(token, sizeof(token), "%u", r->first + (unsigned)i);
		err = ctrlmsg_command(c->outq, cmds[i].cmd, cmds[i].params, token);
		if (err)
			break;
	}
	if (err) {
		/* Nothing of this batch goes out. */
		c->outq->end = c->outq->pos = start;
		free(r);
		return err;
	}
	c->next_token += (unsigned)n;
	list_append(&c->reqs, &r->le, r);
	tmr_start(&r->tmr, timeout_ms ? timeout_ms : 5000, req_timeout, r);
	err = flush(c);
	if (err)
		fail_later(c, err);
	return 0;
}

void ctrl_forget(struct ctrl *c, void *arg)
{
	struct le *le;

	if (!c)
		return;
	le = list_head(&c->reqs);
	while (le) {
		struct ctrl_req *r = le->data;

		le = le->next;
		if (r->arg == arg)
			req_free(r);
	}
}

void ctrl_close(struct ctrl *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	teardown(c);
	mem_deref(c);
}

bool ctrl_is_up(const struct ctrl *c)
{
	return c && c->up && !c->dead && !c->closed;
}

unsigned ctrl_pending(const struct ctrl *c)
{
	return c ? (unsigned)list_count(&c->reqs) : 0;
}
