# First-hour behaviour from the outside: credentials bound to their host.
ld_sh_test(integration url_binding)
