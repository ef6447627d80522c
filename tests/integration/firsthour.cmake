# First-hour behaviour from the outside: credentials bound to their host, a terminal that only
# loftdial writes to, errors that say what to do.
ld_sh_test(integration url_binding)
ld_sh_test(integration first_hour)
ld_sh_test(integration demo)
ld_sh_test(integration sync_resize)
