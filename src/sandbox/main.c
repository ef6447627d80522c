/*
 * loftdial-sandbox: a Salesloft API v2 stand-in (and, in time, simulated phones) for the
 * demo, the tests and the benchmarks. This entry point parses the command line.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--version"))) {
		printf("loftdial-sandbox %s\n", LOFTDIAL_VERSION);
		return 0;
	}
	printf("usage: loftdial-sandbox --listen 127.0.0.1:PORT [options]\n");
	return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
}
