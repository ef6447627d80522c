# Fuzz target of the OAuth sign-in's readers of outside input (src/salesloft/oauth.c,
# oauth_listen.c, slurl.c): the token endpoint's answer, the redirect as pasted or as the
# browser brings it, the configured redirect URI, query parameters.
ld_fuzz_test(fuzz_oauth ld_salesloft)
