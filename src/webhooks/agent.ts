import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';

// The HTTP client of webhook deliveries. The endpoint is the operator's, but its name may
// resolve anywhere: the address is checked where the socket is made (after DNS, so a name
// that later points inside the network is caught too). Redirects are never followed (undici's
// request has no redirect handling unless asked) and each origin gets a bounded pool.

export interface SafeAgentOptions {
  /** Allow private, loopback, link-local and other non-public addresses. */
  allowPrivate: boolean;
  /** Sockets per origin: a slow receiver holds at most this many. */
  connections?: number;
  connectTimeoutMs?: number;
}

export class BlockedAddressError extends Error {
  constructor(address: string) {
    super(`webhook endpoint resolves to a non-public address (${address})`);
    this.name = 'BlockedAddressError';
  }
}

/** Only globally routable unicast addresses are public. */
export function isPublicAddress(address: string): boolean {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

async function resolve(hostname: string, allowPrivate: boolean): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const address = isIP(host) ? host : (await lookup(host)).address;
  if (!allowPrivate && !isPublicAddress(address)) throw new BlockedAddressError(address);
  return address;
}

export function safeAgent(opts: SafeAgentOptions): Agent {
  const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 5000 });
  return new Agent({
    connections: opts.connections ?? 8,
    connect(options, callback) {
      resolve(options.hostname, opts.allowPrivate).then(
        (address) => {
          const servername = isIP(options.hostname.replace(/^\[|\]$/g, '')) ? undefined : options.servername || options.hostname;
          base({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback);
        },
        (err) => callback(err, null),
      );
    },
  });
}
