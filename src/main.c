/*
 * loftdial's entry point: hands the command line to the subcommand dispatcher in src/cli.
 */
#include "loftdial/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
