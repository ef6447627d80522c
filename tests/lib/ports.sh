# ports.sh: engine ports for shell tests (sourced), reserved the way tests/lib/testlib.c
# reserves them: a lock (flock) on a file named after each port in /tmp/loftdial-test-ports,
# held until this shell and what it started end. Tests running at the same time, C or shell,
# never get the same port, even while it is not bound yet.
#
#   port_reserve PORT...     all of them, or none (1)
#   port_taken PORT          something listens or is bound there now (TCP or UDP)
#   port_engine_block LINES  sets port: SIP ports port, port+10, ... and control ports
#                            port+100, port+101, ... for LINES lines (1..9), reserved and free

port_dir=/tmp/loftdial-test-ports

port_reserve() {
	local p fd held=()
	mkdir -p "$port_dir" 2>/dev/null
	chmod 1777 "$port_dir" 2>/dev/null
	for p in "$@"; do
		# The lock stays with the open file: the fd is never closed on success.
		[ -e "$port_dir/$p" ] || : >>"$port_dir/$p" 2>/dev/null
		if ! exec {fd}<"$port_dir/$p" 2>/dev/null; then
			fd=
		elif ! flock -n "$fd"; then
			exec {fd}>&-
			fd=
		fi
		if [ -z "$fd" ]; then
			for fd in "${held[@]}"; do exec {fd}>&-; done
			return 1
		fi
		held+=("$fd")
	done
	return 0
}

port_taken() { [ -n "$(ss -Htuan "( sport = :$1 )" 2>/dev/null)" ]; }

# Below Linux's ephemeral range (32768..), so no client connection takes a port meanwhile.
port_engine_block() {
	local lines=$1 i p ports
	for _ in $(seq 1 200); do
		port=$((21000 + (RANDOM % 110) * 100))
		ports=()
		for i in $(seq 0 $((lines - 1))); do
			ports+=($((port + 10 * i)) $((port + 10 * i + 1)) $((port + 100 + i)))
		done
		port_reserve "${ports[@]}" || continue
		for p in "${ports[@]}"; do
			port_taken "$p" && continue 2
		done
		return 0
	done
	echo "port_engine_block: no free block of $lines lines" >&2
	return 1
}
