# bench/timed.sh -- sourced by bench scripts: `timed NAME CMD...` runs CMD
# under /usr/bin/time -v with stdout in $WORK/NAME.out and prints its wall
# time, CPU time (user+sys) and peak RSS on one line (name padded to
# TIMED_WIDTH, default 28).
timed() {
  local name=$1; shift
  /usr/bin/time -v "$@" > "$WORK/$name.out" 2> "$WORK/$name.time"
  awk -v n="$name" -v width="${TIMED_WIDTH:-28}" -F': ' '
    /Elapsed \(wall clock\)/ {w=$2} /User time/ {u=$2} /System time/ {s=$2}
    /Maximum resident set size/ {m=$2}
    END {printf "%-*s wall %s  cpu %.2fs (user %s + sys %s)  peak RSS %.0f MiB\n", width, n, w, u+s, u, s, m/1024}' \
    "$WORK/$name.time"
}
