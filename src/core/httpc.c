/*
 * httpc: libcurl's multi-socket API bound to libre's loop.
 *
 * libcurl asks us to watch sockets (socket callback → fd_listen/fd_close) and to call it back
 * after a delay (timer callback → tmr_start); we report readiness with
 * curl_multi_socket_action() and collect finished transfers with curl_multi_info_read(). This
 * is curl's docs/examples/multi-event.c pattern with libre in place of libevent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <re.h>

#include "loftdial/httpc.h"
#include "loftdial/log.h"

#define DEFAULT_MAX_BODY (64u * 1024 * 1024)
#define HEADERS_MAX      (64u * 1024)

struct httpc_req {
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	size_t body_len, body_cap, max_body;
	char *rhdr; /* raw response headers of the last response */
	size_t rhdr_len;
	bool too_big;
	httpc_done_h *h;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
	struct httpc_req *next, *prev;
};

static struct {
	CURLM *multi;
	struct tmr tmr;
	struct httpc_req *reqs;
	unsigned active;
	bool global;
} H;

static void check_done(void);

/* libre says a watched socket is ready: tell libcurl which way. */
static void sock_ready(int flags, void *arg)
{
	curl_socket_t s = (curl_socket_t)(intptr_t)arg;
	int ev = 0, running;

	if (flags & FD_READ)
		ev |= CURL_CSELECT_IN;
	if (flags & FD_WRITE)
		ev |= CURL_CSELECT_OUT;
	if (flags & FD_EXCEPT)
		ev |= CURL_CSELECT_ERR;
	curl_multi_socket_action(H.multi, s, ev, &running);
	check_done();
}

/* libcurl wants a socket watched (or no longer watched). */
static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	int flags = 0;

	if (what == CURL_POLL_REMOVE) {
		fd_close(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		flags |= FD_READ;
	if (what & CURL_POLL_OUT)
		flags |= FD_WRITE;
	if (fd_listen(s, flags, sock_ready, (void *)(intptr_t)s))
		log_error("httpc", "fd_listen(%d) failed", (int)s);
	return 0;
}

static void timer_due(void *arg)
{
	int running;

	curl_multi_socket_action(H.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
}

/* libcurl wants to be called after timeout_ms (-1: cancel). */
static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	if (timeout_ms < 0)
		tmr_cancel(&H.tmr);
	else
		tmr_start(&H.tmr, (uint64_t)timeout_ms, timer_due, NULL);
	return 0;
}

int httpc_init(void)
{
	if (H.multi)
		return 0;
	if (!H.global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return EIO;
		H.global = true;
	}
	H.multi = curl_multi_init();
	if (!H.multi)
		return ENOMEM;
	tmr_init(&H.tmr);
	curl_multi_setopt(H.multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(H.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	return 0;
}

static void req_free(struct httpc_req *r)
{
	if (r->easy) {
		curl_multi_remove_handle(H.multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	free(r->body);
	free(r->rhdr);
	if (r->prev)
		r->prev->next = r->next;
	else if (H.reqs == r)
		H.reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	if (H.active)
		H.active--;
	free(r);
}

void httpc_close(void)
{
	if (!H.multi)
		return;
	while (H.reqs)
		req_free(H.reqs);
	tmr_cancel(&H.tmr);
	curl_multi_cleanup(H.multi);
	H.multi = NULL;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct httpc_req *r = userp;
	size_t n = size * nmemb;

	if (r->body_len + n > r->max_body) {
		r->too_big = true;
		return 0; /* makes libcurl fail the transfer with CURLE_WRITE_ERROR */
	}
	if (r->body_len + n + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 4096;
		char *b;

		while (cap < r->body_len + n + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, ptr, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct httpc_req *r = userp;
	size_t n = size * nmemb;
	char *b;

	/* A new status line starts a new response (after 100 Continue): forget the old one. */
	if (n >= 5 && !strncmp(ptr, "HTTP/", 5))
		r->rhdr_len = 0;
	if (r->rhdr_len + n + 1 > HEADERS_MAX)
		return n; /* keep what we have; absurd header blocks are cut, not fatal */
	b = realloc(r->rhdr, r->rhdr_len + n + 1);
	if (!b)
		return 0;
	r->rhdr = b;
	memcpy(r->rhdr + r->rhdr_len, ptr, n);
	r->rhdr_len += n;
	r->rhdr[r->rhdr_len] = '\0';
	return n;
}

int httpc_send(const struct httpc_opts *o, httpc_done_h *h, void *arg, struct httpc_req **reqp)
{
	struct httpc_req *r;
	const char *method = o->method ? o->method : "GET";
	size_t i;
	int err = 0;

	if (!H.multi || !o->url || !h)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	r->max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
	r->easy = curl_easy_init();
	if (!r->easy) {
		free(r);
		return ENOMEM;
	}
	for (i = 0; i < o->nheaders; i++) {
		char line[2048];
		struct curl_slist *l;
		int len = snprintf(line, sizeof(line), "%s: %s", o->headers[i].name,
		                   o->headers[i].value);

		if (len < 0 || (size_t)len >= sizeof(line)) {
			err = E2BIG;
			goto fail;
		}
		l = curl_slist_append(r->hdrs, line);
		if (!l) {
			err = ENOMEM;
			goto fail;
		}
		r->hdrs = l;
	}
	/* Never send "Expect: 100-continue"; it costs a round trip per POST. */
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	curl_easy_setopt(r->easy, CURLOPT_URL, o->url);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : 30000L);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	                 o->connect_timeout_ms ? o->connect_timeout_ms : 10000L);
#if LIBCURL_VERSION_NUM >= 0x075700
	/* A transfer ended while its host name is still being resolved (cancelled at Q or by a
	 * stopped sync, or timed out) would otherwise make libcurl join its resolver thread, that
	 * is wait in the loop for getaddrinfo() to give up: resolv.conf's timeout times its
	 * attempts, 20 s and more when DNS does not answer. The thread is left to finish on its
	 * own; it frees what it holds when it does. */
	curl_easy_setopt(r->easy, CURLOPT_QUICK_EXIT, 1L);
#endif
	curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "loftdial/" LOFTDIAL_VERSION);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->body || strcmp(method, "GET")) {
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)o->body_len);
		curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, o->body ? o->body : "");
	}
	curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
	r->next = H.reqs;
	if (H.reqs)
		H.reqs->prev = r;
	H.reqs = r;
	H.active++;
	if (curl_multi_add_handle(H.multi, r->easy) != CURLM_OK) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		req_free(r);
		return EIO;
	}
	if (reqp)
		*reqp = r;
	return 0;
fail:
	curl_slist_free_all(r->hdrs);
	curl_easy_cleanup(r->easy);
	free(r);
	return err;
}

void httpc_cancel(struct httpc_req *req)
{
	if (req)
		req_free(req);
}

unsigned httpc_active(void)
{
	return H.active;
}

const char *httpc_resp_header(const struct httpc_resp *resp, const char *name)
{
	static char value[1024];
	const struct httpc_req *r = resp ? resp->priv : NULL;
	size_t nlen = strlen(name);
	const char *p;

	if (!r || !r->rhdr)
		return NULL;
	for (p = r->rhdr; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (!strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			size_t len;

			while (*v == ' ' || *v == '\t')
				v++;
			len = strcspn(v, "\r\n");
			if (len >= sizeof(value))
				len = sizeof(value) - 1;
			memcpy(value, v, len);
			value[len] = '\0';
			return value;
		}
	}
	return NULL;
}

/* Maps a libcurl result to an errno value. */
static int curl_errno(CURLcode rc, const struct httpc_req *r)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return EHOSTUNREACH;
	case CURLE_WRITE_ERROR:
		return r->too_big ? EFBIG : ENOMEM;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return ECONNRESET;
	default:
		return EIO;
	}
}

/* Hands every finished transfer to its handler, then frees it. */
static void check_done(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(H.multi, &left)) != NULL) {
		struct httpc_req *r = NULL;
		struct httpc_resp resp;
		int err;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (!r)
			continue;
		memset(&resp, 0, sizeof(resp));
		err = curl_errno(m->data.result, r);
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
		curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &resp.total_s);
		resp.body = r->body ? r->body : "";
		resp.body_len = r->body_len;
		resp.errmsg = err ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(m->data.result))
		                  : NULL;
		resp.priv = r;
		/* Take the request off the multi handle first: the handler may start new ones. */
		curl_multi_remove_handle(H.multi, r->easy);
		r->h(err, &resp, r->arg);
		req_free(r);
	}
}
