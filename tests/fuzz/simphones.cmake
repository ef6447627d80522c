# Fuzz target of what the sandbox's simulated phones read from a caller's RTP
# (src/sandbox/simphones_heard.c): RFC 4733 telephone-events and G.711 audio are network input.
ld_fuzz_test(fuzz_simphones_rtp ld_sandbox ld_sandbox_headers)
