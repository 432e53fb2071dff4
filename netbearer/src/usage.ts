export const usage = {
  main: `usage: netbearer <command> [options]

commands:
  list    the configurations of this machine, online state, default and capabilities
  watch   configuration and connectivity events as they happen
  open    open a session on a configuration, hold it, then close it

options everywhere:
  --engine <auto|networkmanager|generic|simulated>   default: NETBEARER_ENGINE, else auto
  -h, --help                                         this help

'netbearer <command> --help' tells more.`,
  list: `usage: netbearer list [--json] [--engine <name>]

Lists every configuration with its type, state, bearer, interface and identifier, then the
online state, reachability, default configuration and capabilities.
  --json   one JSON object instead of the table`,
  watch: `usage: netbearer watch [--json] [--engine <name>]

Prints configuration, online-state and network-information events until Ctrl-C or SIGTERM.
  --json   one JSON object per line`,
  open: `usage: netbearer open <identifier-or-name> [--timeout <ms>] [--hold <ms>] [--stop] [--engine <name>]

Opens a session, prints its state changes, keeps it open, then closes it and exits 0.
A session error exits 1 with the error's name and message.
  --timeout <ms>   give up opening after this long (default 30000)
  --hold <ms>      how long to keep it open (default: until Ctrl-C or SIGTERM)
  --stop           stop the link for everyone instead of closing this session`,
} as const;

export type UsageTopic = keyof typeof usage;
