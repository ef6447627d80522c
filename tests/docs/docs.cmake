# The documentation that ships: the man pages format without warnings and name every command.
ld_sh_test(docs manpages)
