/**
 * A secret agent on the sandbox's bus, registered the way a desktop's network applet registers
 * one (AgentManager.Register): NetworkManager asks it for secrets it does not have. It records
 * every request; an *interactive* one (ALLOW_INTERACTION or REQUEST_NEW in the flags) is where
 * a desktop would put a password dialog in front of the user. Requests without interaction are
 * answered from its `keyring` (NoSecrets when it has nothing for the setting); interactive ones
 * as the test says: left open like a dialog the user is looking at (until NetworkManager
 * cancels it), or cancelled by the user.
 */
import dbus, { type MessageBus, type Variant } from 'dbus-next';
import { call, nmName, nmPath, openBus } from './nm-dbus.js';

const agentPath = '/org/freedesktop/NetworkManager/SecretAgent';
const agentIface = `${nmName}.SecretAgent`;
/** NMSecretAgentGetSecretsFlags */
export const AgentFlag = { AllowInteraction: 0x1, RequestNew: 0x2, UserRequested: 0x4 } as const;

export interface AgentRequest {
  readonly connectionPath: string;
  readonly settingName: string;
  readonly flags: number;
  /** A desktop agent would ask the user now. */
  readonly interactive: boolean;
}

type Answer = 'leave-open' | 'user-cancels';

class SecretAgentInterface extends dbus.interface.Interface {
  constructor(readonly agent: FakeSecretAgent) {
    super(agentIface);
  }

  GetSecrets(
    _connection: Record<string, Record<string, Variant>>,
    connectionPath: string,
    settingName: string,
    _hints: string[],
    flags: number,
  ): Promise<Record<string, Record<string, Variant>>> {
    return this.agent.request({
      connectionPath,
      settingName,
      flags,
      interactive: (flags & (AgentFlag.AllowInteraction | AgentFlag.RequestNew)) !== 0,
    });
  }

  CancelGetSecrets(connectionPath: string, settingName: string): void {
    this.agent.cancelled(connectionPath, settingName);
  }

  SaveSecrets(): void {}

  DeleteSecrets(): void {}
}

SecretAgentInterface.configureMembers({
  methods: {
    GetSecrets: { inSignature: 'a{sa{sv}}osasu', outSignature: 'a{sa{sv}}' },
    CancelGetSecrets: { inSignature: 'os' },
    SaveSecrets: { inSignature: 'a{sa{sv}}o' },
    DeleteSecrets: { inSignature: 'a{sa{sv}}o' },
  },
});

export class FakeSecretAgent {
  readonly requests: AgentRequest[] = [];
  readonly cancels: Array<{ connectionPath: string; settingName: string }> = [];
  /** What the "user" does with an interactive request. */
  answer: Answer = 'leave-open';
  /** Secrets the agent hands out without asking, per setting name (its keyring). */
  readonly keyring = new Map<string, Record<string, string>>();
  readonly #bus: MessageBus;
  readonly #open = new Map<string, (error: Error) => void>();

  private constructor(bus: MessageBus) {
    this.#bus = bus;
  }

  /** Connects to the sandbox's bus and registers with NetworkManager as `identifier`. */
  static async register(
    busAddress: string,
    identifier = 'org.netbearer.test.agent',
  ): Promise<FakeSecretAgent> {
    const bus = openBus(busAddress);
    const agent = new FakeSecretAgent(bus);
    bus.export(agentPath, new SecretAgentInterface(agent));
    await call(bus, `${nmPath}/AgentManager`, `${nmName}.AgentManager`, 'Register', 's', [
      identifier,
    ]);
    return agent;
  }

  get interactive(): AgentRequest[] {
    return this.requests.filter((r) => r.interactive);
  }

  request(request: AgentRequest): Promise<Record<string, Record<string, Variant>>> {
    this.requests.push(request);
    const stored = this.keyring.get(request.settingName);
    if (!request.interactive && stored) {
      const secrets = Object.fromEntries(
        Object.entries(stored).map(([key, value]) => [key, new dbus.Variant('s', value)]),
      );
      return Promise.resolve({ [request.settingName]: secrets });
    }
    if (!request.interactive || this.answer === 'user-cancels') {
      const name = request.interactive ? 'UserCanceled' : 'NoSecrets';
      return Promise.reject(
        new dbus.DBusError(`${agentIface}.${name}`, `the test agent has no secrets (${name})`),
      );
    }
    return new Promise((_resolve, reject) => {
      this.#open.set(`${request.connectionPath} ${request.settingName}`, reject);
    });
  }

  cancelled(connectionPath: string, settingName: string): void {
    this.cancels.push({ connectionPath, settingName });
    const key = `${connectionPath} ${settingName}`;
    this.#open.get(key)?.(new dbus.DBusError(`${agentIface}.AgentCanceled`, 'cancelled'));
    this.#open.delete(key);
  }

  async unregister(): Promise<void> {
    try {
      await call(this.#bus, `${nmPath}/AgentManager`, `${nmName}.AgentManager`, 'Unregister');
    } catch {
      // NetworkManager may be gone already.
    }
    for (const reject of this.#open.values()) reject(new Error('agent unregistered'));
    this.#open.clear();
    this.#bus.disconnect();
  }
}
