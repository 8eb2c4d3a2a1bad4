#compdef pcapdoc

autoload -U is-at-least

_pcapdoc() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_pcapdoc_commands" \
"*::: :->pcapdoc" \
&& ret=0
    case $state in
    (pcapdoc)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pcapdoc-command-$line[1]:"
        case $line[1] in
            (analyze)
_arguments "${_arguments_options[@]}" : \
'--at=[The moment an application logged a failure\: "2026-07-29 12\:44\:11" (UTC, the capture'\''s time) or with its offset ("2026-07-29 20\:44\:11+08\:00"). The report says what the capture holds then (connections and how they ended, DNS answers), the findings nearest to it, and plainly when it holds no traffic then]:TIME:_default' \
'--window=[How far before and after --at to look]:DURATION:_default' \
'--from=[Only findings and streams from this time on (same forms as --at)]:TIME:_default' \
'--to=[Only findings and streams up to this time]:TIME:_default' \
'*--host=[Only findings and streams involving this address (repeatable); with --at, the moment'\''s traffic is this host'\''s]:ADDRESS:_default' \
'*--port=[Only findings and streams on this port (repeatable)]:PORT:_default' \
'--format=[Output format \[default\: from the -o extension, else table\]]:FORMAT:(table md json html)' \
'-o+[Write the report to FILE instead of standard output]:FILE:_files' \
'--output=[Write the report to FILE instead of standard output]:FILE:_files' \
'--anonymize-key=[The anonymization key (any text); the same key gives the same pseudonyms. Without it a random key is used and printed once on standard error]:KEY:_default' \
'*--detectors=[Run only these detectors (comma-separated ids; see --list-detectors)]:DETECTORS:_default' \
'*--timeout=[Add or override an idle timeout\: NAME=DURATION, e.g. my-lb=30s (repeatable)]:NAME=DURATION:_default' \
'--timeouts=[A TOML file of idle timeouts shaped like data/timeouts.toml, merged over the built-in ones]:FILE:_files' \
'*--tls-port=[Another port where TLS is expected (repeatable)]:PORT:_default' \
'*--expect-cname=[NAME=SUFFIX\: CNAMEs for NAME (or its subdomains) must end in SUFFIX (repeatable)]:NAME=SUFFIX:_default' \
'--lang=[Language of the report\: any folder under locales/ (en, zh)]:LANG:_default' \
'--reassembly-cap=[Out-of-order bytes held per stream direction for reassembly (docs/LIMITS.md)]:BYTES:_default' \
'--max-streams=[Live TCP streams held before the stalest are evicted to bound memory (docs/LIMITS.md)]:N:_default' \
'--link-mbps=[The link'\''s bandwidth in Mbit/s, if known\: a second at 90% of it is saturated]:MBPS:_default' \
'*--allow=[A host whose periodic connections are expected, never a beacon (a monitoring agent'\''s server)\: an address, or a DNS name the capture resolves (repeatable)]:HOST:_default' \
'--threads=[Threads to analyse on\: 1 runs on one; more decode and number on one, analyse streams on the rest, and merge in capture order (the report is the same). Default\: one per core, at most 4]:N:_default' \
'--evidence=[Also write the packets behind the findings, with comments naming them, as pcapng]:FILE.pcapng:_files' \
'--fail-on=[Exit with status 1 when a finding is at least this severe (for CI use)]:FAIL_ON:(info warning error)' \
'--each[Analyse each file as a capture of its own, not the files as one capture]' \
'-q[No progress bar]' \
'--quiet[No progress bar]' \
'--anonymize[Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in the messages on standard error and in the evidence capture\: headers, DNS answers, and addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex); text whose pseudonym has another length is masked with x (lengths stay as they were)]' \
'--list-detectors[List the detectors, one line each, and exit]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::files -- Capture files (pcap, pcapng, optionally gzip-compressed) or directories of them; `-` reads standard input. Standard input, FIFOs and process substitution are copied to a temporary file first (in $TMPDIR, removed at exit), since timelines and --evidence read a capture twice:_files' \
&& ret=0
;;
(compare)
_arguments "${_arguments_options[@]}" : \
'--evidence=[Also write the packets behind the findings of both captures, as one pcapng with an interface per capture and comments naming the side, frame and finding]:FILE.pcapng:_files' \
'--fail-on=[Exit with status 1 when a finding (of the comparison or of either capture) is at least this severe (for CI use)]:FAIL_ON:(info warning error)' \
'--format=[Output format \[default\: from the -o extension, else table\]]:FORMAT:(table md json html)' \
'-o+[Write the report to FILE instead of standard output]:FILE:_files' \
'--output=[Write the report to FILE instead of standard output]:FILE:_files' \
'--anonymize-key=[The anonymization key (any text); the same key gives the same pseudonyms. Without it a random key is used and printed once on standard error]:KEY:_default' \
'*--detectors=[Run only these detectors (comma-separated ids; see --list-detectors)]:DETECTORS:_default' \
'*--timeout=[Add or override an idle timeout\: NAME=DURATION, e.g. my-lb=30s (repeatable)]:NAME=DURATION:_default' \
'--timeouts=[A TOML file of idle timeouts shaped like data/timeouts.toml, merged over the built-in ones]:FILE:_files' \
'*--tls-port=[Another port where TLS is expected (repeatable)]:PORT:_default' \
'*--expect-cname=[NAME=SUFFIX\: CNAMEs for NAME (or its subdomains) must end in SUFFIX (repeatable)]:NAME=SUFFIX:_default' \
'--lang=[Language of the report\: any folder under locales/ (en, zh)]:LANG:_default' \
'--reassembly-cap=[Out-of-order bytes held per stream direction for reassembly (docs/LIMITS.md)]:BYTES:_default' \
'--max-streams=[Live TCP streams held before the stalest are evicted to bound memory (docs/LIMITS.md)]:N:_default' \
'--link-mbps=[The link'\''s bandwidth in Mbit/s, if known\: a second at 90% of it is saturated]:MBPS:_default' \
'*--allow=[A host whose periodic connections are expected, never a beacon (a monitoring agent'\''s server)\: an address, or a DNS name the capture resolves (repeatable)]:HOST:_default' \
'--threads=[Threads to analyse on\: 1 runs on one; more decode and number on one, analyse streams on the rest, and merge in capture order (the report is the same). Default\: one per core, at most 4]:N:_default' \
'--all[List every matched flow, not only those whose two views differ]' \
'-q[No progress bar]' \
'--quiet[No progress bar]' \
'--anonymize[Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in the messages on standard error and in the evidence capture\: headers, DNS answers, and addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex); text whose pseudonym has another length is masked with x (lengths stay as they were)]' \
'-h[Print help]' \
'--help[Print help]' \
':client:_files' \
':server:_files' \
&& ret=0
;;
(flows)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format \[default\: from the -o extension, else table\]]:FORMAT:(table md json html)' \
'-o+[Write the report to FILE instead of standard output]:FILE:_files' \
'--output=[Write the report to FILE instead of standard output]:FILE:_files' \
'--anonymize-key=[The anonymization key (any text); the same key gives the same pseudonyms. Without it a random key is used and printed once on standard error]:KEY:_default' \
'--lang=[Language of the report'\''s words]:LANG:_default' \
'-q[No progress bar]' \
'--quiet[No progress bar]' \
'--anonymize[Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in the messages on standard error and in the evidence capture\: headers, DNS answers, and addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex); text whose pseudonym has another length is masked with x (lengths stay as they were)]' \
'-h[Print help]' \
'--help[Print help]' \
'*::files -- A capture file, or several files or a directory read as one (as `analyze` reads them):_files' \
&& ret=0
;;
(frames)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
'*::files -- A capture file, or several files or a directory read as one:_files' \
&& ret=0
;;
(events)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
':file:_files' \
&& ret=0
;;
(generate)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
':what:(man bash zsh fish powershell elvish)' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_pcapdoc__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:pcapdoc-help-command-$line[1]:"
        case $line[1] in
            (analyze)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(compare)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(flows)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(frames)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(events)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(generate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_pcapdoc_commands] )) ||
_pcapdoc_commands() {
    local commands; commands=(
'analyze:Diagnose a capture and print the findings' \
'compare:Line up a capture taken at the client with one taken at the server\: matched flows (through NAT), the clock offset, and what was lost or made on the path' \
'flows:One row per TCP stream, numbered as Wireshark'\''s tcp.stream' \
'frames:Every TCP frame with its tcp.stream and tcp.analysis flags, tab-separated, in the same layout as scripts/tshark-golden writes (for checking pcapdoc against Wireshark)' \
'events:Application events (TLS records, HTTP heads, DNS messages) by frame, for debugging' \
'generate:Print the man page or a shell'\''s completion script, made from this command line'\''s definition (\`pcapdoc generate man > pcapdoc.1\`, \`pcapdoc generate bash\`)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pcapdoc commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__analyze_commands] )) ||
_pcapdoc__subcmd__analyze_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc analyze commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__compare_commands] )) ||
_pcapdoc__subcmd__compare_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc compare commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__events_commands] )) ||
_pcapdoc__subcmd__events_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc events commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__flows_commands] )) ||
_pcapdoc__subcmd__flows_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc flows commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__frames_commands] )) ||
_pcapdoc__subcmd__frames_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc frames commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__generate_commands] )) ||
_pcapdoc__subcmd__generate_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc generate commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help_commands] )) ||
_pcapdoc__subcmd__help_commands() {
    local commands; commands=(
'analyze:Diagnose a capture and print the findings' \
'compare:Line up a capture taken at the client with one taken at the server\: matched flows (through NAT), the clock offset, and what was lost or made on the path' \
'flows:One row per TCP stream, numbered as Wireshark'\''s tcp.stream' \
'frames:Every TCP frame with its tcp.stream and tcp.analysis flags, tab-separated, in the same layout as scripts/tshark-golden writes (for checking pcapdoc against Wireshark)' \
'events:Application events (TLS records, HTTP heads, DNS messages) by frame, for debugging' \
'generate:Print the man page or a shell'\''s completion script, made from this command line'\''s definition (\`pcapdoc generate man > pcapdoc.1\`, \`pcapdoc generate bash\`)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'pcapdoc help commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__analyze_commands] )) ||
_pcapdoc__subcmd__help__subcmd__analyze_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help analyze commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__compare_commands] )) ||
_pcapdoc__subcmd__help__subcmd__compare_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help compare commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__events_commands] )) ||
_pcapdoc__subcmd__help__subcmd__events_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help events commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__flows_commands] )) ||
_pcapdoc__subcmd__help__subcmd__flows_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help flows commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__frames_commands] )) ||
_pcapdoc__subcmd__help__subcmd__frames_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help frames commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__generate_commands] )) ||
_pcapdoc__subcmd__help__subcmd__generate_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help generate commands' commands "$@"
}
(( $+functions[_pcapdoc__subcmd__help__subcmd__help_commands] )) ||
_pcapdoc__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'pcapdoc help help commands' commands "$@"
}

if [ "$funcstack[1]" = "_pcapdoc" ]; then
    _pcapdoc "$@"
else
    compdef _pcapdoc pcapdoc
fi
