# Prints each innermost failing tap point of a `make test` log with its YAML diagnostic block
# (found / wanted / diff), so the tail CI keeps says what differed, not only what failed.
# Usage: awk -f .ci/failing-points.awk LOG
function flush() {
  if (n > 0) {
    for (i = 1; i <= n && i <= 60; i++) print buf[i]
    if (n > 60) print "    ... (" n - 60 " more diagnostic lines)"
    print ""
  }
  n = 0
}
/^[ \t]*not ok / && !/# (TODO|SKIP)/ {
  flush()
  collecting = 1
  indent = match($0, /[^ \t]/)
  buf[++n] = NR ": " $0
  next
}
collecting {
  lead = match($0, /[^ \t]/)
  # the diagnostic block is indented deeper than its "not ok" line and ends with "..."
  if (lead > indent || $0 ~ /^[ \t]*$/) {
    buf[++n] = $0
    if ($0 ~ /^[ \t]*\.\.\.$/) { collecting = 0 }
    next
  }
  collecting = 0
}
END { flush() }
