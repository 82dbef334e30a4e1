import { isEmptyChange, renderUapiSet, type UapiSetChanges } from '../render/uapi-request.js';
import { UapiClient, type WgDeviceState, type WireguardTransport } from './uapi-client.js';
import {
  ensureWireguardInterface,
  type FoundInterface,
  findWireguardInterface,
  type LinkContext,
} from './wireguard-interface.js';

/** The interface's full state: what the probe that found it read, or a fresh `get`. */
export function readFound(found: FoundInterface): Promise<WgDeviceState> {
  return found.probed ? Promise.resolve(found.probed) : found.transport.get();
}

/**
 * The dataplane's WireGuard interface: how to talk to it, found once and kept until `forget`
 * (after a failure: its daemon may be what failed). Not safe for concurrent use on its own:
 * the dataplane calls it from one operation at a time.
 */
export class InterfaceHandle {
  /** The last UAPI `set=1` request sent (rendered text), for tests and debugging. */
  lastUapiRequest: string | undefined;
  private transport: WireguardTransport | undefined;

  constructor(private readonly ctx: LinkContext) {}

  forget(): void {
    this.transport = undefined;
  }

  /**
   * The transport, found or created when not known yet; then with the full reading the probe
   * that found it took just now (`probed`), which the caller may use as its read.
   */
  async ensure(): Promise<FoundInterface> {
    if (this.transport) return { transport: this.transport };
    const found = await ensureWireguardInterface(this.ctx);
    this.transport = found.transport;
    return found;
  }

  /** `ensure` without creating anything: undefined when there is no interface. */
  async find(): Promise<FoundInterface | undefined> {
    if (this.transport) return { transport: this.transport };
    const found = await findWireguardInterface(this.ctx);
    this.transport = found?.transport;
    return found;
  }

  /** Reads the interface without creating it; an absent or unreadable interface reads as empty. */
  async read(): Promise<WgDeviceState> {
    try {
      const found = await this.find();
      return found ? await readFound(found) : { peers: [] };
    } catch (error) {
      this.ctx.logger.warn(
        { err: error, interface: this.ctx.interfaceName },
        'cannot read WireGuard interface',
      );
      this.transport = undefined;
      return { peers: [] };
    }
  }

  /** Reads the interface for reconcile; a vanished daemon or link is brought back and noted. */
  async readOrRecreate(corrected: string[]): Promise<WgDeviceState> {
    try {
      const found = await this.find();
      if (found) return await readFound(found);
    } catch (error) {
      this.ctx.logger.warn(
        { err: error, interface: this.ctx.interfaceName },
        'WireGuard interface unreadable',
      );
      this.transport = undefined;
    }
    const device = await readFound(await this.ensure());
    corrected.push(`interface ${this.ctx.interfaceName} recreated`);
    return device;
  }

  /**
   * Sends `changes` (nothing when there are none). `onWritten` is called once the request is on
   * its way: the UAPI socket connected and took it, or the `wg` command started.
   */
  async send(changes: UapiSetChanges, onWritten?: () => void): Promise<void> {
    if (isEmptyChange(changes)) {
      onWritten?.();
      return;
    }
    const request = renderUapiSet(changes);
    this.lastUapiRequest = request;
    const { transport } = await this.ensure();
    // The request is rendered once: a UAPI socket takes the text as is.
    if (transport instanceof UapiClient) await transport.sendRaw(request, onWritten);
    else {
      const setting = transport.set(changes);
      onWritten?.();
      await setting;
    }
  }
}
