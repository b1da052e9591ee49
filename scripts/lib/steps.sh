# Sourced by scripts/test: named steps, each timed, and a summary table at the end.
#
#   step NAME DESCRIPTION COMMAND...   runs COMMAND (a function or a program) as one step
#   steps_finish                       prints the table and the closing line; exit status
#
# COMMAND runs in a subshell with `set -euo pipefail` in force (never in a condition, where
# bash would switch `set -e` off), so any failing command inside it fails the step. The first
# failing step stops the run (LK_TEST_KEEP_GOING=1 runs the rest anyway). Steps can be chosen:
# LK_TEST_STEPS="fmt c-tests" (names as in the table) runs only those.

LK_STEP_NAMES=()
LK_STEP_RESULTS=()
LK_STEP_SECONDS=()
LK_STEPS_STARTED=$(date +%s)
LK_STEPS_FINISHED=0

lk_duration() {
    local s=$1
    if [[ $s -ge 60 ]]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

step() {
    local name="$1" what="$2" started rc elapsed
    shift 2
    if [[ -n "${LK_TEST_STEPS:-}" && " $LK_TEST_STEPS " != *" $name "* ]]; then
        LK_STEP_NAMES+=("$name")
        LK_STEP_RESULTS+=("skipped (LK_TEST_STEPS)")
        LK_STEP_SECONDS+=("")
        return 0
    fi
    printf '\n==> %s: %s\n' "$name" "$what"
    started=$(date +%s)
    set +e
    (
        set -euo pipefail
        "$@"
    )
    rc=$?
    set -e
    elapsed=$(($(date +%s) - started))
    LK_STEP_NAMES+=("$name")
    LK_STEP_SECONDS+=("$elapsed")
    if [[ $rc -eq 0 ]]; then
        LK_STEP_RESULTS+=("ok")
        printf '<== %s: ok in %s\n' "$name" "$(lk_duration "$elapsed")"
    else
        LK_STEP_RESULTS+=("FAILED (exit status $rc)")
        printf '<== %s: FAILED (exit status %d) after %s\n' "$name" "$rc" "$(lk_duration "$elapsed")" >&2
        if [[ "${LK_TEST_KEEP_GOING:-0}" != 1 ]]; then
            steps_finish
            exit 1
        fi
    fi
}

steps_finish() {
    local i passed=0 failed=0 total
    [[ $LK_STEPS_FINISHED -eq 0 ]] || return 0
    LK_STEPS_FINISHED=1
    total=$(($(date +%s) - LK_STEPS_STARTED))
    printf '\n%-14s %-28s %9s\n' "step" "result" "time"
    for i in "${!LK_STEP_NAMES[@]}"; do
        printf '%-14s %-28s %9s\n' "${LK_STEP_NAMES[$i]}" "${LK_STEP_RESULTS[$i]}" \
            "$([[ -n "${LK_STEP_SECONDS[$i]}" ]] && lk_duration "${LK_STEP_SECONDS[$i]}")"
        case "${LK_STEP_RESULTS[$i]}" in
        ok) passed=$((passed + 1)) ;;
        FAILED*) failed=$((failed + 1)) ;;
        esac
    done
    printf '%-14s %-28s %9s\n' "total" "" "$(lk_duration "$total")"
    echo "steps: $passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}
