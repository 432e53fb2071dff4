export const usage = {
  main: `usage: netbearer <command> [options]

commands:
  list    the configurations of this machine, online state, default and capabilities
  watch   configuration and connectivity events as they happen
  open    open a session on a configuration, hold it, then close it
  capture record what the platform engine's commands print into a bundle (bug reports)
  inspect every session's and link's state machine, live in a browser on 127.0.0.1
  get     an HTTP request through the connection-aware access manager

options everywhere:
  --engine <auto|networkmanager|generic|simulated|netsh|airport>
                    default: NETBEARER_ENGINE, else auto (netsh and airport where built in)
  -h, --help                                         this help

'netbearer <command> --help' tells more.`,
  list: `usage: netbearer list [--json] [--engine <name>] [--replay <bundle>]

Lists every configuration with its type, state, bearer, interface and identifier, then the
online state, reachability, default configuration and capabilities.
  --json              one JSON object instead of the table
  --replay <bundle>   run the engine on a capture bundle instead of this machine`,
  watch: `usage: netbearer watch [--json] [--engine <name>] [--replay <bundle>]

Prints configuration, online-state and network-information events until Ctrl-C or SIGTERM.
  --json              one JSON object per line
  --replay <bundle>   run the engine on a capture bundle, its events on the recorded timing`,
  capture: `usage: netbearer capture [--out <dir>] [--redact <macs|all|none>] [--seconds <n>] [--engine <name>]

Runs the platform engine (netsh on Windows, airport on macOS) with every command it runs
recorded: the listing, one update, and n seconds of events. Writes a bundle directory
(argv and raw output bytes) and prints its path. Replay it with 'netbearer list --replay'.
  --out <dir>        a new directory (default: netbearer-capture-<time> here)
  --redact <mode>    macs (default): MAC addresses become stable pseudonyms; all: SSIDs too;
                     none: nothing is changed
  --seconds <n>      how long to record events (default 10)`,
  open: `usage: netbearer open <identifier-or-name> [--timeout <ms>] [--hold <ms>] [--stop] [--engine <name>]

Opens a session, prints its state changes, keeps it open, then closes it and exits 0.
A session error exits 1 with the error's name and message.
  --timeout <ms>   give up opening after this long (default 30000)
  --hold <ms>      how long to keep it open (default: until Ctrl-C or SIGTERM)
  --stop           stop the link for everyone instead of closing this session`,
  inspect: `usage: netbearer inspect [--port <n>] [--control] [--engine <name>]

Starts a manager and the inspector, prints its URL (with a secret token after '#') and serves
until Ctrl-C or SIGTERM. Open the URL in a browser on this machine: every session grouped by
configuration, every link with the sessions holding it, each machine's statechart live, the
event log and the engine's timeline. On the simulated engine the demo world comes alive.
Only 127.0.0.1 is served; the page's socket needs the token.
  --port <n>   the port (default: a free one)
  --control    let the page call the sessions' public methods (open, close, stop, migrate,
               ignore, accept, reject); off by default

Any program that uses createManager() serves one when NETBEARER_INSPECT is 1 (or a port),
and prints its URL on stderr.`,
  get: `usage: netbearer get <url> [-o <file>] [-X <verb>] [-d <data>|@<file>] [-H 'Name: value']...
                    [--proxy <url>] [--configuration <id-or-name>] [--engine <name>] [--json]

Sends one request through the access manager (QNetworkAccessManager): it opens a session where
the request needs one (not for loopback, file: or data:), follows it when it roams, and moves
the download to the new link (Range + If-Range). The body goes to stdout, or to the file; the
session's state changes and roams go to stderr, with a progress bar when stderr is a terminal.
Exit 0 on success; 1 with the NetworkError name and message on failure (an HTTP error's body
is not written); 2 on a bad command line.
  -o, --output <file>      write the body there: under a temporary name beside it, renamed once
                           the transfer succeeded (a failure leaves no file of that name)
  -X, --request <verb>     the HTTP method (default GET, or POST with -d)
  -d, --data <data>        the request body; @<file> sends the file's bytes
  -H, --header <h>         a request header 'Name: value' (repeatable)
  --proxy <url>            http://[user:password@]host:port or socks5://host:port
                           (default: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY, except NO_PROXY)
  --configuration <id>     open the session on this configuration (identifier or name)
  --json                   a one-line summary on stdout (status, bytes, resumed ranges,
                           configurations, timing); without -o the body is then not written`,
} as const;

export type UsageTopic = keyof typeof usage;
