# tree_ticks PID: CPU time (user + system, all threads) of a process and its
# descendants, in clock ticks (divide by $HZ). CPU per request is the steadiest
# figure on a shared machine, where req/s also depends on how much CPU the load
# generator and the origin got. Sourced by the proxy benchmarks.
HZ=$(getconf CLK_TCK)
tree_ticks() {
  local pids=("$1") all=() t=0 i
  while [ ${#pids[@]} -gt 0 ]; do
    all+=("${pids[@]}")
    local next=()
    for i in "${pids[@]}"; do next+=($(pgrep -P "$i" || true)); done
    pids=("${next[@]}")
  done
  for i in "${all[@]}"; do
    for stat in /proc/$i/task/*/stat; do
      [ -r "$stat" ] || continue
      t=$((t + $(sed 's/.*) //' "$stat" | awk '{print $12 + $13}')))
    done
  done
  echo "$t"
}
