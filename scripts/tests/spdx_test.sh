#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of scripts/spdx.sh on a scratch git repository: --check finds exactly
# the source files without the identifier (not Markdown, not a results
# folder's data), --fix adds it in each file's comment syntax after a #!
# line and keeps the mode, and then --check passes. Bad usage: status 2.
set -euo pipefail
spdx=$(cd "$(dirname "$0")/.." && pwd)/spdx.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cd "$tmp"
git init -q .
mkdir -p src results/2026-01-01-host sub
printf 'int f();\n' >src/a.cc
printf '#!/usr/bin/env bash\necho hi\n' >sub/b.sh && chmod +x sub/b.sh
printf '#!/usr/bin/env python3\nprint(1)\n' >tool && chmod +x tool
printf '# SPDX-License-Identifier: MIT\nproject(x)\n' >CMakeLists.txt
printf '# title\n' >README.md
printf '{}\n' >results/2026-01-01-host/run.json
printf 'x = 1\n' >results/2026-01-01-host/data.py
printf 'bytes\n' >blob
git add -A

rc=0; out=$("$spdx" --check "$tmp" 2>/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "--check exit status $rc, want 1"
[ "$out" = "$(printf 'src/a.cc\nsub/b.sh\ntool')" ] || fail "--check listed: $out"

"$spdx" --fix "$tmp" >/dev/null
[ "$(head -n 1 src/a.cc)" = "// SPDX-License-Identifier: MIT" ] || fail "a.cc: $(head -n 2 src/a.cc)"
[ "$(sed -n 2p src/a.cc)" = "int f();" ] || fail "a.cc lost its first line"
[ "$(head -n 1 sub/b.sh)" = "#!/usr/bin/env bash" ] || fail "b.sh: shebang moved"
[ "$(sed -n 2p sub/b.sh)" = "# SPDX-License-Identifier: MIT" ] || fail "b.sh: $(head -n 3 sub/b.sh)"
[ -x sub/b.sh ] || fail "b.sh lost its executable bit"
[ "$(sed -n 2p tool)" = "# SPDX-License-Identifier: MIT" ] || fail "tool: $(head -n 3 tool)"
[ "$(cat README.md)" = "# title" ] || fail "README.md was changed"
[ "$(cat results/2026-01-01-host/data.py)" = "x = 1" ] || fail "results data was changed"
[ "$(grep -c SPDX CMakeLists.txt)" = 1 ] || fail "CMakeLists.txt got a second identifier"

"$spdx" --check "$tmp" >/dev/null || fail "--check after --fix failed"
rc=0; "$spdx" --bogus 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "unknown option: status $rc, want 2"
rc=0; "$spdx" --check /nonexistent 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "not a work tree: status $rc, want 2"
echo "spdx_test: ok"
