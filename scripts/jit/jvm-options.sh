# The JVM options the ./efiemu launcher (../../efiemu) gives each command: sourced by it (and by
# early-alloc's LauncherJvmOptionsTest); needs JIT_DIR (this folder) and appends to the array `opts`.
# Measured in docs/performance.md, "The JIT's cost in the user's hunt" (the long hunt) and "What every hunt scenario
# pays: build, give-back, GC, start-up" (the serial collector and the scaled first-tier thresholds).

# a hunt's budget: "long" when --scenarios is at least 20 000 or --time at least 20 s, or when neither is given (the
# default budget is 20 000 scenarios: HuntCommand.DEFAULT_SCENARIOS); a budget the launcher cannot read counts as short
# (the hunt itself names a bad one)
long_hunt() {
  local prev="" a v="" secs=0 n unit rest
  for a in "$@"; do
    case "$prev" in --scenarios) v="n:$a" ;; --time) v="t:$a" ;; esac
    case "$a" in --scenarios=*) v="n:${a#*=}" ;; --time=*) v="t:${a#*=}" ;; esac
    prev="$a"
  done
  case "$v" in
    n:*) [[ "${v#n:}" =~ ^[0-9]{1,18}$ ]] && (( 10#${v#n:} >= 20000 )) ;;
    t:*)
      rest="$(tr '[:upper:]' '[:lower:]' <<<"${v#t:}")"
      [[ -n "$rest" ]] || return 1
      while [[ "$rest" =~ ^([0-9]{1,9})(ms|s|m|h|d)(.*)$ ]]; do
        n=$((10#${BASH_REMATCH[1]})); unit="${BASH_REMATCH[2]}"; rest="${BASH_REMATCH[3]}"
        case "$unit" in ms) ;; s) secs=$((secs + n)) ;; m) secs=$((secs + 60 * n)) ;; h) secs=$((secs + 3600 * n)) ;;
          d) secs=$((secs + 86400 * n)) ;; esac
      done
      [[ -z "$rest" ]] && (( secs >= 20 )) ;;
    *) return 0 ;;
  esac
}

# true when ARGS hold a help or version option (the command then only prints)
asks_help() {
  local a
  for a in "$@"; do
    case "$a" in --help|-h|--version|-V) return 0 ;; esac
  done
  return 1
}

# jvm_options COMMAND ARGS...: appends the JIT and collector options for that command line to `opts`
jvm_options() {
  # A short hunt: the first tier only, the serial collector, and the first tier's compile thresholds at a tenth.
  # Such a process spends its first seconds interpreting (about half of a hunt thread's samples in its first second,
  # a seventh of a 3 000-scenario hunt's) while methods wait to be called the usual 200 times (2 000 with loops); a
  # tenth of that compiles them sooner, for more but cheap C1 compilations. The serial collector (every hunt and the
  # matrix): a hunt keeps ≈ 5 MB live, so young collections are short, without G1's barriers and set-up. The matrix
  # (63 scenarios) keeps the usual thresholds: there the extra compilations cost more than they save.
  # short commands and the matrix: the first tier and the serial collector, with the usual thresholds
  local short=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
  local first_tier=("${short[@]}" -XX:CompileThresholdScaling=0.1)
  case "${1:-}" in
    run|debug|profile|diff|--help|-h|--version|-V|"") opts+=("${short[@]}") ;;
    hunt)
      # `hunt --help` or `hunt --version` runs no hunt: a short command (read for its budget, no budget would be the
      # default long hunt, and the JVM's "1 compiler directives added" came before the help text).
      # A long hunt: the full JIT, with C2 kept off the methods that run a few times per scenario and with smaller
      # inlining (C2's compilations of whole subsystems cost more CPU than they save: docs/performance.md, "The JIT's
      # cost in the user's hunt"), and the serial collector (as a short hunt); the JVM's own messages (the directives
      # file's "1 compiler directives added") go to stderr, so the hunt's stdout stays its own. A short hunt, or no
      # directives file: the first tier as above.
      if asks_help "${@:2}"; then
        opts+=("${short[@]}")
      elif long_hunt "$@" && [[ -f "$JIT_DIR/hunt-c2.directives.json" && -f "$JIT_DIR/hunt-c2.commands" ]]; then
        opts+=(-XX:+UseSerialGC -XX:+DisplayVMOutputToStderr -XX:+UnlockDiagnosticVMOptions
          -XX:CompilerDirectivesFile="$JIT_DIR/hunt-c2.directives.json" -XX:CompileCommandFile="$JIT_DIR/hunt-c2.commands"
          -XX:FreqInlineSize=100 -XX:InlineSmallCode=1000 -XX:MaxInlineLevel=6)
      else
        opts+=("${first_tier[@]}")
      fi ;;
    matrix) opts+=("${short[@]}") ;;
  esac
}
