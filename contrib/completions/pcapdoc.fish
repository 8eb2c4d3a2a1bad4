# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pcapdoc_global_optspecs
    string join \n h/help V/version
end

function __fish_pcapdoc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pcapdoc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pcapdoc_using_subcommand
    set -l cmd (__fish_pcapdoc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -s h -l help -d 'Print help'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -s V -l version -d 'Print version'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "analyze" -d 'Diagnose a capture and print the findings'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "compare" -d 'Line up a capture taken at the client with one taken at the server: matched flows (through NAT), the clock offset, and what was lost or made on the path'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "flows" -d 'One row per TCP stream, numbered as Wireshark\'s tcp.stream'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "frames" -d 'Every TCP frame with its tcp.stream and tcp.analysis flags, tab-separated, in the same layout as scripts/tshark-golden writes (for checking pcapdoc against Wireshark)'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "events" -d 'Application events (TLS records, HTTP heads, DNS messages) by frame, for debugging'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "generate" -d 'Print the man page or a shell\'s completion script, made from this command line\'s definition (`pcapdoc generate man > pcapdoc.1`, `pcapdoc generate bash`)'
complete -c pcapdoc -n "__fish_pcapdoc_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l at -d 'The moment an application logged a failure: "2026-07-29 12:44:11" (UTC, the capture\'s time) or with its offset ("2026-07-29 20:44:11+08:00"). The report says what the capture holds then (connections and how they ended, DNS answers), the findings nearest to it, and plainly when it holds no traffic then' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l window -d 'How far before and after --at to look' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l from -d 'Only findings and streams from this time on (same forms as --at)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l to -d 'Only findings and streams up to this time' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l host -d 'Only findings and streams involving this address (repeatable); with --at, the moment\'s traffic is this host\'s' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l port -d 'Only findings and streams on this port (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l format -d 'Output format [default: from the -o extension, else table]' -r -f -a "table\t''
md\t''
json\t''
html\t''"
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -s o -l output -d 'Write the report to FILE instead of standard output' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l anonymize-key -d 'The anonymization key (any text); the same key gives the same pseudonyms. Without it a random key is used and printed once on standard error' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l detectors -d 'Run only these detectors (comma-separated ids; see --list-detectors)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l timeout -d 'Add or override an idle timeout: NAME=DURATION, e.g. my-lb=30s (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l timeouts -d 'A TOML file of idle timeouts shaped like data/timeouts.toml, merged over the built-in ones' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l tls-port -d 'Another port where TLS is expected (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l expect-cname -d 'NAME=SUFFIX: CNAMEs for NAME (or its subdomains) must end in SUFFIX (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l lang -d 'Language of the report: any folder under locales/ (en, zh)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l reassembly-cap -d 'Out-of-order bytes held per stream direction for reassembly (docs/LIMITS.md)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l max-streams -d 'Live TCP streams held before the stalest are evicted to bound memory (docs/LIMITS.md)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l link-mbps -d 'The link\'s bandwidth in Mbit/s, if known: a second at 90% of it is saturated' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l allow -d 'A host whose periodic connections are expected, never a beacon (a monitoring agent\'s server): an address, or a DNS name the capture resolves (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l threads -d 'Threads to analyse on: 1 runs on one; more decode and number on one, analyse streams on the rest, and merge in capture order (the report is the same). Default: one per core, at most 4' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l evidence -d 'Also write the packets behind the findings, with comments naming them, as pcapng' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l fail-on -d 'Exit with status 1 when a finding is at least this severe (for CI use)' -r -f -a "info\t''
warning\t''
error\t''"
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l each -d 'Analyse each file as a capture of its own, not the files as one capture'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -s q -l quiet -d 'No progress bar'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l anonymize -d 'Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in the messages on standard error and in the evidence capture: headers, DNS answers, and addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex); text whose pseudonym has another length is masked with x (lengths stay as they were)'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -l list-detectors -d 'List the detectors, one line each, and exit'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand analyze" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l evidence -d 'Also write the packets behind the findings of both captures, as one pcapng with an interface per capture and comments naming the side, frame and finding' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l fail-on -d 'Exit with status 1 when a finding (of the comparison or of either capture) is at least this severe (for CI use)' -r -f -a "info\t''
warning\t''
error\t''"
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l format -d 'Output format [default: from the -o extension, else table]' -r -f -a "table\t''
md\t''
json\t''
html\t''"
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -s o -l output -d 'Write the report to FILE instead of standard output' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l anonymize-key -d 'The anonymization key (any text); the same key gives the same pseudonyms. Without it a random key is used and printed once on standard error' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l detectors -d 'Run only these detectors (comma-separated ids; see --list-detectors)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l timeout -d 'Add or override an idle timeout: NAME=DURATION, e.g. my-lb=30s (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l timeouts -d 'A TOML file of idle timeouts shaped like data/timeouts.toml, merged over the built-in ones' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l tls-port -d 'Another port where TLS is expected (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l expect-cname -d 'NAME=SUFFIX: CNAMEs for NAME (or its subdomains) must end in SUFFIX (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l lang -d 'Language of the report: any folder under locales/ (en, zh)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l reassembly-cap -d 'Out-of-order bytes held per stream direction for reassembly (docs/LIMITS.md)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l max-streams -d 'Live TCP streams held before the stalest are evicted to bound memory (docs/LIMITS.md)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l link-mbps -d 'The link\'s bandwidth in Mbit/s, if known: a second at 90% of it is saturated' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l allow -d 'A host whose periodic connections are expected, never a beacon (a monitoring agent\'s server): an address, or a DNS name the capture resolves (repeatable)' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l threads -d 'Threads to analyse on: 1 runs on one; more decode and number on one, analyse streams on the rest, and merge in capture order (the report is the same). Default: one per core, at most 4' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l all -d 'List every matched flow, not only those whose two views differ'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -s q -l quiet -d 'No progress bar'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -l anonymize -d 'Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in the messages on standard error and in the evidence capture: headers, DNS answers, and addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex); text whose pseudonym has another length is masked with x (lengths stay as they were)'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand compare" -s h -l help -d 'Print help'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -l format -d 'Output format [default: from the -o extension, else table]' -r -f -a "table\t''
md\t''
json\t''
html\t''"
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -s o -l output -d 'Write the report to FILE instead of standard output' -r -F
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -l anonymize-key -d 'The anonymization key (any text); the same key gives the same pseudonyms. Without it a random key is used and printed once on standard error' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -l lang -d 'Language of the report\'s words' -r
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -s q -l quiet -d 'No progress bar'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -l anonymize -d 'Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in the messages on standard error and in the evidence capture: headers, DNS answers, and addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex); text whose pseudonym has another length is masked with x (lengths stay as they were)'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand flows" -s h -l help -d 'Print help'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand frames" -s h -l help -d 'Print help'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand events" -s h -l help -d 'Print help'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand generate" -s h -l help -d 'Print help'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "analyze" -d 'Diagnose a capture and print the findings'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "compare" -d 'Line up a capture taken at the client with one taken at the server: matched flows (through NAT), the clock offset, and what was lost or made on the path'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "flows" -d 'One row per TCP stream, numbered as Wireshark\'s tcp.stream'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "frames" -d 'Every TCP frame with its tcp.stream and tcp.analysis flags, tab-separated, in the same layout as scripts/tshark-golden writes (for checking pcapdoc against Wireshark)'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "events" -d 'Application events (TLS records, HTTP heads, DNS messages) by frame, for debugging'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "generate" -d 'Print the man page or a shell\'s completion script, made from this command line\'s definition (`pcapdoc generate man > pcapdoc.1`, `pcapdoc generate bash`)'
complete -c pcapdoc -n "__fish_pcapdoc_using_subcommand help; and not __fish_seen_subcommand_from analyze compare flows frames events generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
