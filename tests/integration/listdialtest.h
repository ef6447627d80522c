/*
 * listdialtest: what the headless dial tests share (test_dial_lists, test_dial_crash,
 * test_dial_pending, test_dial_numbers, test_vm_logged, test_vm_cadence):
 * a sandbox with 300 people, no rate limit and its simulated phones; engine ports for three
 * lines and the phones' port in one reserved block; the list's and the gates' clock pinned to
 * today at 17:00 UTC (inside calling hours from London to the US west coast, whenever the test
 * runs) and a 2 s ring timeout; and a home whose engines call the phones with one of the
 * build's recorded voices as the rep's microphone, or one that leaves a message on machines.
 */
#ifndef LOFTDIAL_LISTDIALTEST_H
#define LOFTDIAL_LISTDIALTEST_H

#include <stddef.h>

#include "synctest.h"

struct ldt {
	struct sbxt sbx;
	int sip_base, ctrl_base; /* lines 1-3 */
	int phones_port;         /* the fourth slot of the block */
};

/* A phones mix (for ldt_setup) where every call reaches a machine with a shortish greeting
 * (3.4-6 s, beep included); seed is a number. */
#define LDT_MIX_MACHINES(seed)                                                                     \
	"{\"seed\":" #seed                                                                         \
	",\"order\":\"call\",\"kinds\":{\"voicemail\":{\"share\":1,\"ring_ms\":"                   \
	"300,\"greeting_ms\":[3400,6000]}}}"

/* Starts the sandbox and pins the clock; mix (a PUT /_sandbox/phones/mix body) when not NULL.
 * 0 or -1 (the sandbox stopped). */
int ldt_setup(struct ldt *t, const char *mix);
/* Unsets what ldt_setup set and stops the sandbox: 0, or -1 when it did not exit cleanly. */
int ldt_teardown(struct ldt *t);
/* A home whose engines call the phones (AMD off, 100 ms stagger, no zone dialled in the rep's
 * hours, debug log). 0 or -1. */
int ldt_home(const struct ldt *t, struct st_home *h);
/* The same with lines (config lines, each ending in a newline) in place of the no-zone rule. */
int ldt_home_with(const struct ldt *t, struct st_home *h, const char *lines);

/* A home whose engines leave voicemail_file on machines (AMD humans_only, dial.machine
 * voicemail) and send nothing of the rep's (aubridge,nosrc). 0 or -1. */
int ldt_home_vm(const struct ldt *t, struct st_home *h, const char *voicemail_file);
/* Writes 1.5 s of an hz sine at half scale to path (16-bit, rate Hz, channels), through sox.
 * rate, channels and hz are numbers as text. 0 or -1. */
int ldt_tone(const char *path, const char *rate, const char *channels, const char *hz);

#endif
