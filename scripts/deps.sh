#!/usr/bin/env bash
# Installs the Debian packages loftdial needs to build, test and run its demo, and only those
# that are missing. Idempotent; as root it runs apt-get directly, otherwise through sudo.
set -euo pipefail

PKGS=(
	build-essential cmake pkg-config clang-format git
	libncurses-dev libcurl4-openssl-dev libcjson-dev libsqlite3-dev
	libre-dev librem-dev baresip-core libcmocka-dev
	tmux python3 espeak-ng sox sip-tester procps iproute2 curl tzdata sqlite3
	groff-base lintian
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
# The old zone names Salesloft sends (US/Eastern) come with tzdata up to Debian 12 and with
# tzdata-legacy from Debian 13 on: ask for the latter only when tzdata did not bring them.
if dpkg-query -W -f='${Status}' tzdata 2>/dev/null | grep -q "install ok installed" &&
	[ ! -e /usr/share/zoneinfo/US/Eastern ]; then
	missing+=(tzdata-legacy)
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} Debian packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
if [ ! -e /usr/share/zoneinfo/US/Eastern ]; then
	$SUDO apt-get install -y -q --no-install-recommends tzdata-legacy
fi
echo "deps: done"
