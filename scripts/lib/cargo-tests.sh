# Sourced by scripts/test, scripts/tsan and scripts/miri: runs a `cargo test` (or `cargo miri
# test`) command and fails unless it really ran tests.
#
#   cargo_tests LOG COMMAND...
#
# COMMAND's output goes to the terminal and to LOG. Fails when COMMAND fails, when no test ran
# at all, when an integration test binary (tests/*.rs, server/tests/*.rs) or a library's unit
# tests (src/lib.rs) ran none, or when a binary started and printed no `test result:` line.
# Doc-tests and binaries' own unit tests may legitimately hold none. On success prints
# `cargo tests: N passed, 0 failed, I ignored in B binaries` and sets CARGO_TESTS_PASSED.

cargo_tests() {
    local log="$1" rc=0
    shift
    "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    if [[ $rc -ne 0 ]]; then
        echo "cargo_tests: '$*' failed (exit status $rc)" >&2
        return "$rc"
    fi
    local summary
    summary="$(awk '
        /^ *Running (unittests )?[^ ]+ \(/ { unit = $0; sub(/^ *Running (unittests )?/, "", unit); sub(/ \(.*/, "", unit); next }
        /^ *Doc-tests / { unit = "doc:" $2; next }
        /^running [0-9]+ tests?$/ { ran[unit] = $2; order[++n] = unit; next }
        /^test result: / {
            for (i = 1; i <= NF; i++) {
                if ($(i+1) ~ /^passed;?$/) passed += $i
                if ($(i+1) ~ /^failed;?$/) failed += $i
                if ($(i+1) ~ /^ignored;?$/) ignored += $i
            }
            results++; next
        }
        END {
            for (i = 1; i <= n; i++) {
                u = order[i]
                if (ran[u] == 0 && (u ~ /(^|\/)tests\/[^\/]+\.rs$/ || u ~ /(^|\/)src\/lib\.rs$/)) empty = empty " " u
            }
            printf "%d %d %d %d %d%s\n", n, results, passed + 0, failed + 0, ignored + 0, empty
        }' "$log")"
    local binaries results passed failed ignored empty
    read -r binaries results passed failed ignored empty <<<"$summary"
    if [[ $binaries -eq 0 || $passed -eq 0 ]]; then
        echo "cargo_tests: '$*' ran no test" >&2
        return 1
    fi
    if [[ $results -ne $binaries ]]; then
        echo "cargo_tests: $binaries test binaries started but only $results reported a result" >&2
        return 1
    fi
    if [[ $failed -ne 0 ]]; then
        echo "cargo_tests: $failed tests failed" >&2
        return 1
    fi
    if [[ -n "$empty" ]]; then
        echo "cargo_tests: these ran no test: $empty" >&2
        return 1
    fi
    CARGO_TESTS_PASSED=$passed
    echo "cargo tests: $passed passed, 0 failed, $ignored ignored in $binaries binaries"
}
