#!/usr/bin/env bash
# Make sure a Java 17 or newer runtime is there for ansible-rulebook (its rule engine, Drools, runs in a JVM), which
# the end-to-end tests of the events source run (tests/eda/test_rulebook_e2e.py).
#
#   hack/ensure_java.sh        prints the runtime's path and version; installs Debian's openjdk-17-jre-headless when missing
#
# JAVA_HOME (with bin/java) or a java on PATH is used when it is 17 or newer. Without one, as root with apt-get, it
# installs the package; otherwise it fails and says how to install it. It never skips: the tests fail without Java.
set -euo pipefail

major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
usable() { [ -x "$1" ] && [ "$(major "$1")" -ge 17 ] 2>/dev/null; }
found() { printf 'java: %s (%s)\n' "$1" "$("$1" -version 2>&1 | head -n 1)"; }

for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)"; do
    if [ -n "$candidate" ] && usable "$candidate"; then found "$candidate"; exit 0; fi
done

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo 'java: no Java 17+ found; installing the Debian package openjdk-17-jre-headless (apt-get, as root) for ansible-rulebook'
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends openjdk-17-jre-headless >/dev/null \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends openjdk-17-jre-headless >/dev/null; }
    java=$(command -v java || true)
    if [ -n "$java" ] && usable "$java"; then found "$java"; exit 0; fi
    echo 'java: openjdk-17-jre-headless was installed but no java 17+ is on PATH' >&2
    exit 1
fi

cat >&2 <<'MSG'
java: NO JAVA 17+ FOUND. ansible-rulebook runs its rules in a JVM, and the end-to-end tests of the events source never skip.
Install one, then run the tests again:
    Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless
    Fedora/RHEL:    sudo dnf install java-17-openjdk-headless
    macOS:          brew install openjdk@17   and   export JAVA_HOME=$(brew --prefix openjdk@17)
or point JAVA_HOME at any Java 17 or newer.
MSG
exit 1
