export const usage = {
  main: `usage: netbearer <command> [options]

commands:
  list    the configurations of this machine, online state, default and capabilities
  watch   configuration and connectivity events as they happen
  open    open a session on a configuration, hold it, then close it
  capture record what the platform engine's commands print into a bundle (bug reports)

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
} as const;

export type UsageTopic = keyof typeof usage;
