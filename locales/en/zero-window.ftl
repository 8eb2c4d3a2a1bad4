# zero-window (src/detect/zero_window.rs)
zw-summary = { $receiver } advertised a zero window for { $secs } s while { $sender } waited to send: the application on { $receiver } stopped reading{ zw-more }
zw-summary-closed = { $receiver } kept a zero window for { $secs } s and the connection was reset before it reopened: { $sender }'s data never got through{ zw-more }
zw-more = { $more ->
    [0] { "" }
    [one] ; 1 more connection to it stalled the same way
   *[other] ; { $more } more connections to it stalled the same way
}
zw-explanation = From frame { $first } { $receiver } told { $sender } that its receive buffer was full (window 0), for { $secs } s; { $sender } sent { $probes ->
    [0] no zero-window probe
    [one] 1 zero-window probe
   *[other] { $probes } zero-window probes
} meanwhile (Wireshark marks them zero-window probes, or keep-alives when they carry an old sequence number, as Linux's do). { $outcome } The kernel on { $receiver } was receiving; the application above it did not read its socket: a busy or blocked process (a slow disk write, a lock, a full queue downstream, garbage collection), not the network.
zw-reopened = The window reopened in frame { $frame }.
zw-never = The window never reopened in the capture.
zw-rec-app = Find what the process on { $receiver } was doing at that moment (its logs, CPU and disk I/O wait, thread dumps); a reader that stalls for seconds delays every request on the connection.
zw-rec-buffer = If the reader is slow by design, read in a separate thread or raise its receive buffer (net.ipv4.tcp_rmem, SO_RCVBUF); a bigger buffer only delays the stall if the application keeps falling behind.
zw-role-first = first zero window
zw-role-probe = first zero-window probe
zw-role-reopen = window reopened
confirm-zero-window = the receiving process's logs or a CPU and disk I/O graph at that moment show what held it up
