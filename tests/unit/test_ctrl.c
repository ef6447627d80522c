/*
 * Unit tests for ctrl, the ctrl_tcp client, against a real TCP peer on loopback played by the
 * test: the frames it writes, responses matched by token however they are chunked, events
 * interleaved, batches that time out, and every way a connection can end (refused, EOF, bad
 * framing, oversize frame), plus closing from inside a handler.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <re.h>

#include "loftdial/ctrl.h"
#include "loftdial/ctrlmsg.h"
#include "loftdial/loop.h"

struct t {
	int lfd, sfd; /* listening and accepted sockets (the fake baresip) */
	int port;
	struct ctrl *c;
	int state_calls, state_err;
	bool connected, closed;
	int events;
	char last_type[64], last_id[64];
	int resp_calls, resp_err;
	size_t resp_n;
	struct ctrl_result res[CTRL_BATCH_MAX];
	char data[CTRL_BATCH_MAX][256];
	bool close_in_event;
};

static struct t T;
static struct tmr wait_tmr;
static bool (*wait_pred)(void);
static uint64_t wait_end;

static void waiter(void *arg)
{
	if (wait_pred() || loop_now_ms() > wait_end)
		loop_quit(0);
	else
		tmr_start(&wait_tmr, 2, waiter, NULL);
}

/* Runs the loop until pred() holds or ms pass; returns pred(). */
static bool run_until(bool (*pred)(void), unsigned ms)
{
	wait_pred = pred;
	wait_end = loop_now_ms() + ms;
	tmr_start(&wait_tmr, 0, waiter, NULL);
	loop_run();
	tmr_cancel(&wait_tmr);
	return pred();
}

static bool p_connected(void)
{
	return T.connected;
}
static bool p_closed(void)
{
	return T.closed;
}
static bool p_resp(void)
{
	return T.resp_calls > 0;
}
static bool p_event(void)
{
	return T.events > 0;
}

static void on_state(int err, void *arg)
{
	T.state_calls++;
	T.state_err = err;
	if (err)
		T.closed = true;
	else
		T.connected = true;
}

static void on_event(const struct ctrlmsg *ev, void *arg)
{
	T.events++;
	snprintf(T.last_type, sizeof(T.last_type), "%s", ev->type);
	snprintf(T.last_id, sizeof(T.last_id), "%s", ev->id);
	if (T.close_in_event) {
		ctrl_close(T.c);
		T.c = NULL;
	}
}

static void on_resp(int err, const struct ctrl_result *res, size_t n, void *arg)
{
	size_t i;

	T.resp_calls++;
	T.resp_err = err;
	T.resp_n = n;
	for (i = 0; i < n; i++) {
		T.res[i] = res[i];
		snprintf(T.data[i], sizeof(T.data[i]), "%s", res[i].data ? res[i].data : "");
		T.res[i].data = T.data[i];
	}
}

/* A listening socket on an ephemeral loopback port. */
static void listen_any(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	T.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(T.lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(T.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(T.lfd, 4), 0);
	assert_int_equal(getsockname(T.lfd, (struct sockaddr *)&sa, &len), 0);
	T.port = ntohs(sa.sin_port);
}

/* Connects a ctrl to the fake baresip and accepts it. */
static void connect_pair(void)
{
	char addr[64];

	memset(&T, 0, sizeof(T));
	T.sfd = -1;
	listen_any();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", T.port);
	assert_int_equal(ctrl_connect(&T.c, addr, 1000, on_state, on_event, NULL), 0);
	assert_true(run_until(p_connected, 3000));
	assert_true(ctrl_is_up(T.c));
	T.sfd = accept(T.lfd, NULL, NULL);
	assert_true(T.sfd >= 0);
}

static void teardown_pair(void)
{
	ctrl_close(T.c);
	T.c = NULL;
	if (T.sfd >= 0)
		close(T.sfd);
	close(T.lfd);
}

/* Reads what the client wrote (waiting up to 2 s for at least want bytes). */
static size_t peer_read(char *buf, size_t n, size_t want)
{
	size_t got = 0;

	while (got < want) {
		struct pollfd pfd = {.fd = T.sfd, .events = POLLIN};
		ssize_t r;

		/* let the loop flush the client's queue */
		(void)run_until(p_closed, 5);
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		r = read(T.sfd, buf + got, n - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return got;
}

static void peer_write(const char *s, size_t len)
{
	assert_int_equal(write(T.sfd, s, len), (ssize_t)len);
}

/* Appends the netstring frame of json to out at *o. */
static void add_frame(char *out, size_t n, size_t *o, const char *json)
{
	*o += (size_t)snprintf(out + *o, n - *o, "%zu:%s,", strlen(json), json);
}

static void test_batch_roundtrip(void **state)
{
	struct ctrl_cmd cmds[2] = {{"dial", "sip:bob@127.0.0.1:5080"}, {"callstat", NULL}};
	char buf[1024], want[512], reply[1024];
	size_t i, o = 0, r = 0;

	add_frame(want, sizeof(want), &o,
	          "{\"command\":\"dial\",\"params\":\"sip:bob@127.0.0.1:5080\",\"token\":\"1\"}");
	add_frame(want, sizeof(want), &o, "{\"command\":\"callstat\",\"token\":\"2\"}");
	add_frame(reply, sizeof(reply), &r,
	          "{\"event\":true,\"type\":\"CALL_LOCAL_SDP\",\"class\":\"other\",\"accountaor\":"
	          "\"sip:dialer@127.0.0.1\",\"direction\":\"outgoing\",\"peeruri\":\"sip:bob@127.0."
	          "0.1:5080\",\"param\":\"offer\"}");
	add_frame(reply, sizeof(reply), &r,
	          "{\"response\":true,\"ok\":true,\"data\":\"\",\"token\":\"1\"}");
	add_frame(reply, sizeof(reply), &r,
	          "{\"response\":true,\"ok\":true,\"data\":\" id=abc\\n\",\"token\":\"2\"}");
	connect_pair();
	assert_int_equal(ctrl_send(T.c, cmds, 2, 2000, on_resp, NULL), 0);
	assert_int_equal(ctrl_pending(T.c), 1);
	(void)peer_read(buf, sizeof(buf), o);
	/* both commands in one write, tokens counting from 1, params a JSON string */
	assert_string_equal(buf, want);
	/* the answer arrives one byte at a time */
	for (i = 0; i < r; i++) {
		peer_write(reply + i, 1);
		if (i % 17 == 0)
			(void)run_until(p_resp, 1);
	}
	assert_true(run_until(p_resp, 2000));
	assert_int_equal(T.resp_calls, 1);
	assert_int_equal(T.resp_err, 0);
	assert_int_equal(T.resp_n, 2);
	assert_true(T.res[0].answered && T.res[0].ok);
	assert_true(T.res[1].answered);
	assert_string_equal(T.res[1].data, " id=abc\n");
	assert_int_equal(T.events, 1);
	assert_string_equal(T.last_type, "CALL_LOCAL_SDP");
	assert_int_equal(ctrl_pending(T.c), 0);
	teardown_pair();
}

static void test_many_frames_one_write(void **state)
{
	struct ctrl_cmd cmd = {"reginfo", NULL};
	char buf[4096] = "", frame[256];
	size_t o = 0;
	int i;

	connect_pair();
	assert_int_equal(ctrl_send(T.c, &cmd, 1, 2000, on_resp, NULL), 0);
	(void)peer_read(frame, sizeof(frame), 10);
	for (i = 0; i < 20; i++) {
		char json[128];
		int n = snprintf(json, sizeof(json),
		                 "{\"event\":true,\"type\":\"CALL_RTCP\",\"id\":\"id%d\"}", i);

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%d:%s,", n, json);
	}
	/* a malformed JSON frame is skipped; the stream goes on */
	add_frame(buf, sizeof(buf), &o, "{bad}");
	add_frame(buf, sizeof(buf), &o,
	          "{\"response\":true,\"ok\":true,\"data\":\"\",\"token\":\"9\"}");
	add_frame(buf, sizeof(buf), &o,
	          "{\"response\":true,\"ok\":false,\"data\":\"nope\",\"token\":\"1\"}");
	peer_write(buf, o);
	assert_true(run_until(p_resp, 2000));
	assert_int_equal(T.events, 20);
	assert_string_equal(T.last_id, "id19");
	assert_false(T.res[0].ok);
	assert_string_equal(T.res[0].data, "nope");
	assert_true(ctrl_is_up(T.c));
	teardown_pair();
}

static void test_timeout(void **state)
{
	struct ctrl_cmd cmds[2] = {{"hangup", NULL}, {"callstat", NULL}};
	char buf[256], half[128], late[128];
	size_t h = 0, l = 0;

	add_frame(half, sizeof(half), &h,
	          "{\"response\":true,\"ok\":true,\"data\":\"\",\"token\":\"1\"}");
	add_frame(late, sizeof(late), &l,
	          "{\"response\":true,\"ok\":true,\"data\":\"\",\"token\":\"2\"}");

	connect_pair();
	assert_int_equal(ctrl_send(T.c, cmds, 2, 100, on_resp, NULL), 0);
	(void)peer_read(buf, sizeof(buf), 40);
	peer_write(half, h); /* only the first command is answered */
	assert_true(run_until(p_resp, 2000));
	assert_int_equal(T.resp_err, ETIMEDOUT);
	assert_true(T.res[0].answered);
	assert_false(T.res[1].answered);
	/* a late answer for a finished batch is ignored */
	T.resp_calls = 0;
	peer_write(late, l);
	assert_false(run_until(p_resp, 50));
	assert_true(ctrl_is_up(T.c));
	teardown_pair();
}

static void test_forget(void **state)
{
	struct ctrl_cmd cmd = {"reginfo", NULL};
	int tag;

	connect_pair();
	assert_int_equal(ctrl_send(T.c, &cmd, 1, 50, on_resp, &tag), 0);
	ctrl_forget(T.c, &tag);
	assert_int_equal(ctrl_pending(T.c), 0);
	assert_false(run_until(p_resp, 150));
	teardown_pair();
}

static void test_refusals(void **state)
{
	struct ctrl_cmd bad = {"dial", "sip:a@b\r\nquit"};
	struct ctrl_cmd many[CTRL_BATCH_MAX + 1];
	char buf[64];

	connect_pair();
	assert_int_equal(ctrl_send(T.c, &bad, 1, 100, on_resp, NULL), EINVAL);
	assert_int_equal(ctrl_send(T.c, NULL, 1, 100, on_resp, NULL), EINVAL);
	memset(many, 0, sizeof(many));
	assert_int_equal(ctrl_send(T.c, many, CTRL_BATCH_MAX + 1, 100, on_resp, NULL), EINVAL);
	/* nothing of a refused batch was written */
	{
		struct pollfd pfd = {.fd = T.sfd, .events = POLLIN};

		(void)run_until(p_closed, 20);
		assert_int_equal(poll(&pfd, 1, 0), 0);
	}
	(void)buf;
	assert_int_equal(ctrl_connect(NULL, "127.0.0.1:1", 100, on_state, on_event, NULL), EINVAL);
	{
		struct ctrl *c2;

		assert_int_equal(ctrl_connect(&c2, "not an address", 100, on_state, on_event, NULL),
		                 EINVAL);
	}
	teardown_pair();
	assert_int_equal(ctrl_send(NULL, &bad, 1, 100, on_resp, NULL), EINVAL);
	ctrl_close(NULL);
	assert_false(ctrl_is_up(NULL));
}

/* Each way the connection can end is reported once, with its reason. */
static void test_endings(void **state)
{
	struct ctrl_cmd cmd = {"reginfo", NULL};
	char addr[64];
	int port;

	/* EOF */
	connect_pair();
	close(T.sfd);
	T.sfd = -1;
	assert_true(run_until(p_closed, 2000));
	assert_int_equal(T.state_err, ECONNRESET);
	assert_int_equal(T.state_calls, 2);
	assert_false(ctrl_is_up(T.c));
	assert_int_equal(ctrl_send(T.c, &cmd, 1, 100, on_resp, NULL), ENOTCONN);
	teardown_pair();

	/* bad framing */
	connect_pair();
	peer_write("12x:", 4);
	assert_true(run_until(p_closed, 2000));
	assert_int_equal(T.state_err, EBADMSG);
	teardown_pair();

	/* a frame over the maximum is refused from its header alone */
	connect_pair();
	peer_write("999999999:", 10);
	assert_true(run_until(p_closed, 2000));
	assert_int_equal(T.state_err, EBADMSG);
	teardown_pair();

	/* refused: nothing listens */
	memset(&T, 0, sizeof(T));
	listen_any();
	port = T.port;
	close(T.lfd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	assert_int_equal(ctrl_connect(&T.c, addr, 500, on_state, on_event, NULL), 0);
	assert_true(run_until(p_closed, 2000));
	assert_int_equal(T.state_err, ECONNREFUSED);
	assert_int_equal(T.state_calls, 1);
	ctrl_close(T.c);
}

/* The owner may close the ctrl from inside an event handler; nothing runs after. */
static void test_close_in_handler(void **state)
{
	char two[128];
	size_t o = 0;

	add_frame(two, sizeof(two), &o, "{\"event\":true,\"type\":\"FIRST\"}");
	add_frame(two, sizeof(two), &o, "{\"event\":true,\"type\":\"SECOND\"}");

	connect_pair();
	T.close_in_event = true;
	peer_write(two, o);
	assert_true(run_until(p_event, 2000));
	(void)run_until(p_closed, 50);
	assert_int_equal(T.events, 1);
	assert_string_equal(T.last_type, "FIRST");
	assert_null(T.c);
	assert_false(T.closed); /* no state call after ctrl_close */
	close(T.sfd);
	close(T.lfd);
}

static int setup(void **state)
{
	return loop_init();
}

static int teardown(void **state)
{
	loop_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_batch_roundtrip),
	        cmocka_unit_test(test_many_frames_one_write),
	        cmocka_unit_test(test_timeout),
	        cmocka_unit_test(test_forget),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_endings),
	        cmocka_unit_test(test_close_in_handler),
	};

	tmr_init(&wait_tmr);
	return cmocka_run_group_tests(tests, setup, teardown);
}
