#!/bin/sh
# Regenerate the expectations of the Lua corpus (tests/lua/X.{out,err,status}) with PUC-Lua 5.4.
#
# usage: tests/tools/regen.sh            # every tests/lua/*.lua
#        tests/tools/regen.sh foo bar.lua # only these scripts (name with or without .lua)
#
# Each script runs with cwd = tests/lua, stdin from /dev/null and a fixed environment
# (the same one crates/cli/tests/corpus.rs gives `moonlift`). In the saved stderr the
# program name `lua5.4:` at the start of a line becomes `moonlift:`.
# LUA overrides the interpreter (must still be invoked as `lua5.4` by name for the prefix).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/tests/lua" || exit 1
LUA=${LUA:-lua5.4}
command -v "$LUA" >/dev/null 2>&1 || { echo "regen.sh: $LUA not found" >&2; exit 1; }
if [ $# -eq 0 ]; then set -- *.lua; fi
n=0
for f in "$@"; do
  base=$(basename "${f%.lua}")
  [ -f "$base.lua" ] || { echo "regen.sh: no such script $base.lua" >&2; exit 1; }
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LC_ALL=C TZ=UTC TMPDIR=/tmp \
    timeout 60 "$LUA" "$base.lua" >"$base.out" 2>"$base.err.tmp" </dev/null
  echo $? >"$base.status"
  sed 's/^lua5\.4: /moonlift: /' "$base.err.tmp" >"$base.err"
  rm -f "$base.err.tmp"
  n=$((n + 1))
done
echo "regen.sh: regenerated $n script(s)"
