#!/bin/sh
# Install what Hotline needs to build, run and test on Debian 12.
# Idempotent: installs only missing packages. Works as root or via sudo.
set -eu

PKGS="build-essential cmake pkg-config git ca-certificates
libre-dev libjansson-dev libsqlite3-dev libsodium-dev libcmocka-dev
flite1-dev libcurl4-openssl-dev tzdata
clang libclang-rt-14-dev
curl wrk procps"

# Test/bench extras (node runs the end-to-end tests; openssl makes the
# certificate of the SIP-over-TLS test).
case "${1:-}" in
test) PKGS="$PKGS nodejs npm sqlite3 valgrind sip-tester baresip-core openssl" ;;
esac

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

missing=""
for p in $PKGS; do
	# npm may come bundled with a nodejs package from another origin
	if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
