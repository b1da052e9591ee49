# Sourced by the C test runners (tests/c/run.sh, tests/windows/run.sh).
#
# step NAME COMMAND...: runs COMMAND with its output in a log under $work/logs, counts it in
# `passed` or `failed` (and `failures`), and prints the log on failure (its ends when long).
step() {
    local name="$1" log
    shift
    log="$work/logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_').log"
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        printf 'ok    %s\n' "$name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf 'FAIL  %s\n' "$name"
        if [[ $(wc -l <"$log") -le 60 ]]; then
            sed 's/^/      /' "$log"
        else
            { head -n 35 "$log"; echo "[...]"; tail -n 20 "$log"; } | sed 's/^/      /'
        fi
    fi
}
