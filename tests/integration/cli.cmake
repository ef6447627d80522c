# The command line as a user runs it: help, version, config files and warnings.
ld_sh_test(integration cli_basics)
ld_sh_test(integration export_tty)
