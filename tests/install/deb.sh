#!/usr/bin/env bash
# The installed loftdial, as a user gets it: checks the .deb's control data and file list,
# runs lintian when present (errors fail), unpacks the package into a scratch root with
# dpkg-deb -x (no root-owned system changes, no container), and runs the unpacked programs with
# a clean environment and no build tree on PATH: --version, help, the sandbox with its phones
# (which must find the recorded speech beside themselves), and a short sync against it. Also
# checks that `cmake --install` honours --prefix and DESTDIR.
# Usage: tests/install/deb.sh BUILD_DIR   (a release build on which cpack -G DEB has run)
set -u
build=${1:?usage: tests/install/deb.sh BUILD_DIR}
build=$(cd "$build" && pwd)
debs=("$build"/loftdial_*.deb)
deb=${debs[0]}
scratch=$(mktemp -d /tmp/loftdial-deb.XXXXXX)
sandbox_pid=
cleanup() {
	if [ -n "$sandbox_pid" ]; then
		kill "$sandbox_pid" 2>/dev/null
		wait "$sandbox_pid" 2>/dev/null
	fi
	tmux -L "lddeb$$" kill-server 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
fails=0
total=0
check() { # check NAME CONDITION...
	local name=$1; shift
	total=$((total + 1))
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
has() { grep -qE -- "$1" "$2"; }

check "one .deb built" test -f "$deb"
[ -f "$deb" ] || exit 1
version=$(sed -n 's/^project(loftdial VERSION \([0-9.]*\).*/\1/p' "$build/../../CMakeLists.txt")

# ---- control data and file list -------------------------------------------------------------
dpkg-deb -I "$deb" >"$scratch/info"
dpkg-deb -c "$deb" >"$scratch/files"
check "package name" has '^ Package: loftdial$' "$scratch/info"
check "version from the project ($version)" has "^ Version: $version$" "$scratch/info"
check "section" has '^ Section: comm$' "$scratch/info"
check "maintainer" has '^ Maintainer: .+ <.+@.+>$' "$scratch/info"
check "summary and long description" has '^  loftdial-sandbox is a Salesloft API v2' "$scratch/info"
for dep in libc6 libncursesw6 libcurl4 libcjson1 libsqlite3-0 libre0 librem0 baresip-core; do
	check "depends on $dep" has "^ Depends: (.*, )?$dep( \\(|,|$)" "$scratch/info"
done
for f in usr/bin/loftdial usr/bin/loftdial-sandbox usr/share/man/man1/loftdial.1.gz \
	usr/share/man/man1/loftdial-sandbox.1.gz usr/share/loftdial/themes/default.theme \
	usr/share/loftdial/recordings/human/h01.wav usr/share/loftdial/recordings/machine/m01.wav \
	usr/share/loftdial/recordings/announce/a01.wav usr/share/doc/loftdial/copyright \
	usr/share/doc/loftdial/changelog.gz usr/share/doc/loftdial/config.example; do
	check "ships /$f" has " \./$f$" "$scratch/files"
done
check "every theme ships" test "$(grep -c '/themes/.*\.theme$' "$scratch/files")" -eq \
	"$(ls "$build"/themes/*.theme | wc -l)"
check "no AMD corpus" bash -c "! grep -q /corpus/ '$scratch/files'"
check "nothing outside /usr" bash -c "! grep -vE ' \./(usr/.*)?$' '$scratch/files'"

if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$deb" >"$scratch/lintian" 2>&1
	check "lintian: no errors" bash -c "! grep -q '^E:' '$scratch/lintian'"
	sed 's/^/  lintian: /' "$scratch/lintian"
else
	echo "# lintian is not installed; skipped"
fi

# ---- the unpacked programs, with nothing from the build tree --------------------------------
root=$scratch/root
dpkg-deb -x "$deb" "$root"
# A clean environment: only the scratch root's bin on PATH, no LOFTDIAL_* from the suite.
clean=(env -i PATH="$root/usr/bin:/usr/bin:/bin" HOME="$scratch/home" LANG=C.UTF-8 TZ=UTC
	LOFTDIAL_HOME="$scratch/home/ld")
run() { "${clean[@]}" "$@"; }
mkdir -p "$scratch/home"
check "version" test "$(run loftdial --version)" = "loftdial $version"
run loftdial help >"$scratch/help"
check "help lists the commands" has '^  sync ' "$scratch/help"
check "it is the unpacked program" test "$(run bash -c 'command -v loftdial')" = \
	"$root/usr/bin/loftdial"
check "config paths names the unpacked themes" test "$(run loftdial config paths | \
	sed -n 's/^themes  //p')" = "$root/usr/bin/../share/loftdial/themes"
check "man page reads" bash -c "zcat '$root/usr/share/man/man1/loftdial.1.gz' | \
	groff -man -Tutf8 -ww -z"

# env execs the sandbox, so $! is the sandbox itself.
"${clean[@]}" loftdial-sandbox --listen 127.0.0.1:0 --sip 127.0.0.1:0 --people 150 \
	>"$scratch/sandbox.out" 2>"$scratch/sandbox.err" &
sandbox_pid=$!
deadline=$((SECONDS + 60))
while ! grep -q '^sandbox ready api=' "$scratch/sandbox.out" && [ $SECONDS -lt $deadline ]; do
	kill -0 "$sandbox_pid" 2>/dev/null || break
	sleep 0.1
done
api=$(sed -n 's/^sandbox ready api=//p' "$scratch/sandbox.out")
check "sandbox ready" test -n "$api"
check "phones play the installed recordings" has '^phones ready sip=.* audio=recorded' \
	"$scratch/sandbox.out"
[ -n "$api" ] || cat "$scratch/sandbox.err"

key=ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
apienv=(env LOFTDIAL_API_URL="$api" LOFTDIAL_ACCOUNTS_URL="$api")
run "${apienv[@]}" loftdial connect --api-key "$key" >"$scratch/connect" 2>&1
check "connect to the installed sandbox" test $? -eq 0
run "${apienv[@]}" loftdial sync --quiet >"$scratch/sync" 2>&1
rc=$?
check "sync exits 0" test $rc -eq 0
[ $rc -eq 0 ] || cat "$scratch/sync"
rows=$(run "${apienv[@]}" loftdial export people --format jsonl | wc -l)
check "150 people synced" test "$rows" -eq 150
run "${apienv[@]}" loftdial status >"$scratch/status" 2>&1
check "status after the sync" test $? -eq 0

kill "$sandbox_pid" 2>/dev/null
wait "$sandbox_pid" 2>/dev/null
check "sandbox exits 0 on SIGTERM" test $? -eq 0
sandbox_pid=

# ---- the unpacked TUI finds its themes beside itself -----------------------------------------
sock=lddeb$$
# tui_status THEME [TEXT]: the Home screen of the unpacked loftdial with ui.theme THEME, once it
# shows TEXT too (a status-line message can come a frame after the title), or at the deadline.
tui_status() {
	local end=$((SECONDS + 20)) screen= want=${2:-loftdial | Home}
	printf 'ui.theme %s\n' "$1" >"$scratch/home/ld/config"
	tmux -L "$sock" kill-server 2>/dev/null
	tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 \
		"${clean[*]} TERM=tmux-256color loftdial"
	while [ $SECONDS -lt $end ]; do
		screen=$(tmux -L "$sock" capture-pane -p 2>/dev/null)
		grep -qF 'loftdial | Home' <<<"$screen" && grep -qF "$want" <<<"$screen" && break
		sleep 0.05
	done
	tmux -L "$sock" kill-server 2>/dev/null
	printf '%s\n' "$screen"
}
if command -v tmux >/dev/null; then
	tui_status light >"$scratch/tui-light"
	check "TUI opens" grep -qF 'loftdial | Home' "$scratch/tui-light"
	check "TUI finds the installed light theme" bash -c "! grep -q 'theme .light.: not found' \
		'$scratch/tui-light'"
	# The check above can fail: a theme that is not installed is reported on the same screen.
	tui_status nosuch "theme 'nosuch': not found" >"$scratch/tui-nosuch"
	check "TUI reports a missing theme" grep -q "theme 'nosuch': not found" "$scratch/tui-nosuch"
else
	echo "# tmux is not installed; TUI skipped"
fi

# ---- cmake --install with --prefix and DESTDIR ----------------------------------------------
DESTDIR=$scratch/destdir cmake --install "$build" --prefix /opt/ld >/dev/null
d=$scratch/destdir/opt/ld
for f in bin/loftdial bin/loftdial-sandbox share/man/man1/loftdial.1.gz \
	share/loftdial/themes/default.theme share/loftdial/recordings/human/h01.wav \
	share/doc/loftdial/config.example share/doc/loftdial/copyright; do
	check "DESTDIR install: /opt/ld/$f" test -f "$d/$f"
done

echo "$((total - fails))/$total passed"
[ $fails -eq 0 ]
