/**
 * The inspector's wire protocol: what the server (Node) and the page (browser) say to each
 * other over the WebSocket at `/ws?token=…`. Every message is one JSON text frame.
 * The same shapes make up a recorded trace (`InspectorTrace`), so the page replays a loaded
 * trace with the code that draws a live run.
 */

/** Version of this protocol and of the trace format; the page refuses another. */
export const protocolVersion = 1;

/**
 * Connecting. The server prints `http://127.0.0.1:<port>/#token=<token>`; the page reads the
 * token from its fragment (never sent over HTTP) and opens
 * `ws://<its own host>/ws?token=<token>` (`socketPath`, `tokenParameter`). The server refuses
 * the upgrade (HTTP 403, no socket) unless the token matches, the Host header is
 * `127.0.0.1:<port>` or `localhost:<port>`, and the Origin header is the page's own origin
 * (`http://127.0.0.1:<port>` or `http://localhost:<port>`). The first message is then `hello`.
 */
export const socketPath = '/ws';
export const tokenParameter = 'token';

/**
 * The largest page → server message, in bytes: a bigger frame closes the socket (code 1009).
 * A message that is not exactly one of `PageMessage` closes it with 1008 (policy violation).
 */
export const maxPageMessageBytes = 4096;

/** Close codes the server uses. */
export const closeCodes = {
  /** A malformed or unknown message, or control when it is off. */
  policy: 1008,
  tooBig: 1009,
  /** The page fell too far behind (its socket buffered too much): reconnect for a fresh hello. */
  tooSlow: 4000,
  /** The inspector is closing. */
  goingAway: 1001,
} as const;

/**
 * Other exports of a recorded run: `GET /trace.json` is the `InspectorTrace` below;
 * `GET /stately.json` is the same run as an array of XState/Stately inspection messages
 * (`@xstate.actor`, `@xstate.event`, `@xstate.snapshot`, the shapes @statelyai/inspect sends).
 * Both need the token: `?token=<token>`.
 */
export const tracePath = '/trace.json';
export const statelyPath = '/stately.json';

/** The machines the inspector draws. */
export type MachineKind = 'session' | 'link' | 'roaming';

/** A machine laid out for drawing: every state a node, every transition an edge. */
export interface MachineGraph {
  readonly kind: MachineKind;
  /** The machine's id (`machine.id`). */
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface GraphNode {
  /** The state's path from the root, dot-joined: `Connected`, `Up.Owned`. The root is ''. */
  readonly id: string;
  /** The state's own key, shown on the node. */
  readonly label: string;
  /** The parent's id, or undefined for top-level states. */
  readonly parent: string | undefined;
  /** Absolute coordinates on the chart. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly initial: boolean;
  readonly final: boolean;
}

export interface GraphEdge {
  /** Unique per graph: `${source}:${eventType}:${index}`. */
  readonly id: string;
  /** Node ids; an eventless or targetless (self) transition has target === source. */
  readonly source: string;
  readonly target: string;
  /** The event type that triggers it ('' for an eventless `always`). */
  readonly eventType: string;
  /** The guard's name, if any. */
  readonly guard: string | undefined;
  /** Polyline points in absolute coordinates, start to end. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly labelX: number;
  readonly labelY: number;
}

/** A session as the manager lists it. */
export interface SessionInfo {
  /** The session actor's unique id (XState `sessionId`); stable for the session's life. */
  readonly id: string;
  readonly configurationId: string;
  readonly configurationName: string;
  /** Qt's seven values: Invalid, NotAvailable, Connecting, Connected, Closing, Disconnected, Roaming. */
  readonly state: string;
  /** The machine's full state value (nested objects for child states). */
  readonly value: unknown;
  /** The id of the link this session holds, if any. */
  readonly linkId: string | undefined;
  /** The roaming flow's state value while it runs, else undefined. */
  readonly roaming: unknown;
  /** Whether the session is open (Qt's isOpen()). */
  readonly isOpen: boolean;
  /** The ids of the links it holds: during a roam, the old one and the new one. */
  readonly holds: readonly string[];
}

/** A link (an activation of one configuration on one engine) as the manager lists it. */
export interface LinkInfo {
  readonly id: string;
  readonly configurationId: string;
  readonly configurationName: string;
  readonly engine: string;
  /** The link machine's state value. */
  readonly value: unknown;
  /** 'owned' (this process brought it up), 'joined' (it was up), or undefined when not up. */
  readonly ownership: 'owned' | 'joined' | undefined;
  /** Sessions holding it (their ids) — the link's reference count is their number. */
  readonly holders: readonly string[];
  /** Where it stands: Removed, Unavailable, Down, Starting, Up, Stopping. */
  readonly status: string;
}

/** One thing that happened, in order. `seq` increases by one per entry, per server. */
export type TimelineEntry =
  | {
      readonly seq: number;
      readonly time: number;
      readonly kind: 'event';
      /** Session or link id. */
      readonly actorId: string;
      readonly machine: MachineKind;
      /** The event received, serialised (see serialise.ts). */
      readonly event: unknown;
      /** The state value after it, and the transitions that were taken (edge ids). */
      readonly value: unknown;
      readonly taken: readonly string[];
      /** Edge ids enabled in the new state. */
      readonly enabled: readonly string[];
    }
  | {
      readonly seq: number;
      readonly time: number;
      readonly kind: 'emitted';
      readonly actorId: string;
      readonly machine: MachineKind;
      readonly emitted: unknown;
    }
  | {
      readonly seq: number;
      readonly time: number;
      /** An engine event: link up/down, a roaming offer, network information, configurations. */
      readonly kind: 'engine';
      readonly engine: string;
      readonly event: unknown;
    };

/** Server → page. */
export type ServerMessage =
  | {
      readonly type: 'hello';
      readonly version: typeof protocolVersion;
      /** Whether the page may send `control` messages. */
      readonly control: boolean;
      readonly graphs: readonly MachineGraph[];
      readonly sessions: readonly SessionInfo[];
      readonly links: readonly LinkInfo[];
      /** The last entries kept for late pages (bounded). */
      readonly timeline: readonly TimelineEntry[];
    }
  | {
      /** Batched: everything since the last batch, sent at most every ~16–50 ms. */
      readonly type: 'batch';
      readonly sessions: readonly SessionInfo[];
      readonly links: readonly LinkInfo[];
      readonly entries: readonly TimelineEntry[];
      /**
       * How many entries this page missed, in all since its hello, because it was too slow or
       * more happened between two batches than the history keeps (0 normally).
       */
      readonly dropped: number;
    }
  | {
      readonly type: 'controlResult';
      readonly requestId: string;
      readonly ok: boolean;
      readonly error: string | undefined;
    };

/** The session methods a page may call, and only with `--control`. */
export type ControlMethod = 'open' | 'close' | 'stop' | 'migrate' | 'ignore' | 'accept' | 'reject';

/**
 * Page → server. Anything else is refused and closes the socket. Control messages are
 * answered by `controlResult`; with control off they are refused too (the socket closes), so
 * a page only sends them when `hello.control` is true.
 */
export type PageMessage =
  | {
      readonly type: 'control';
      readonly requestId: string;
      readonly sessionId: string;
      readonly method: ControlMethod;
    }
  | {
      /** Open a new session on a configuration (control only). */
      readonly type: 'control';
      readonly requestId: string;
      readonly configurationId: string;
      readonly method: 'open';
    };

/** A recorded run, exported by the page or `GET /trace.json`, loadable offline. */
export interface InspectorTrace {
  readonly format: 'netbearer-inspector-trace';
  readonly version: typeof protocolVersion;
  readonly recordedAt: string;
  readonly graphs: readonly MachineGraph[];
  /**
   * Sessions and links as they were when the recording started; sessions and links created
   * later are listed as they were when the trace was exported.
   */
  readonly sessions: readonly SessionInfo[];
  readonly links: readonly LinkInfo[];
  readonly entries: readonly TimelineEntry[];
}
