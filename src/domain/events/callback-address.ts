import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { addressList } from '../../net/address-list.ts';

/**
 * Where a TMF hub callback may not go: anything that is not a public unicast address. An event
 * POSTed there would reach the operator's own network (loopback, private, link-local with the
 * cloud metadata service at 169.254.169.254) on a stranger's say-so. IPv4-mapped IPv6 forms
 * (::ffff:127.0.0.1) match the IPv4 ranges: BlockList checks them so.
 */
const FORBIDDEN: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['10.0.0.0', 8, 'ipv4'], // RFC 1918
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'], // RFC 1918
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'ipv4'], // RFC 1918
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation
  ['203.0.113.0', 24, 'ipv4'], // documentation
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 96, 'ipv6'], // unspecified, loopback, IPv4-compatible
  ['64:ff9b::', 96, 'ipv6'], // NAT64: reaches an IPv4 address of any kind
  ['64:ff9b:1::', 48, 'ipv6'], // local NAT64
  ['100::', 64, 'ipv6'], // discard
  ['2001::', 32, 'ipv6'], // Teredo
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['2002::', 16, 'ipv6'], // 6to4: reaches an IPv4 address of any kind
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

const forbidden = new BlockList();
for (const [addr, bits, type] of FORBIDDEN) forbidden.addSubnet(addr, bits, type);

/** The addresses callbacks may reach: public ones, and whatever HUB_CALLBACK_ALLOWED lists. */
export interface CallbackPolicy {
  allowed: BlockList;
}

export function callbackPolicy(allowed: string[]): CallbackPolicy {
  return { allowed: addressList('HUB_CALLBACK_ALLOWED', allowed) };
}

const typeOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Why a callback may not connect to this address, or null when it may. */
export function addressRefusal(policy: CallbackPolicy, address: string): string | null {
  if (!isIP(address)) return `${address} is not an IP address`;
  if (policy.allowed.check(address, typeOf(address))) return null;
  return forbidden.check(address, typeOf(address)) ? `${address} is a loopback, private, link-local or reserved address` : null;
}

/** The host of a URL as an IP address when it is one (URL keeps IPv6 in brackets), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/**
 * Why a callback URL is refused at registration, or null. A literal address is judged as it is; a
 * name is resolved and refused when it resolves only to refused addresses (it is judged again on
 * each connection, where DNS may answer otherwise).
 */
export async function callbackRefusal(policy: CallbackPolicy, url: URL): Promise<string | null> {
  const literal = literalAddress(url);
  if (literal) return addressRefusal(policy, literal);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(url.hostname, { all: true });
  } catch {
    return `${url.hostname} does not resolve`;
  }
  const refusals = addresses.map((a) => addressRefusal(policy, a.address));
  if (addresses.length === 0) return `${url.hostname} does not resolve`;
  return refusals.every(Boolean) ? `${url.hostname} resolves to ${refusals[0]}` : null;
}

export class RefusedAddress extends Error {
  readonly code = 'ECALLBACKREFUSED';
}

/**
 * A `lookup` for the socket that connects to a callback: the addresses DNS gives at connect time
 * are the ones judged, so a name that resolved to a public address at registration and to
 * 127.0.0.1 now (DNS rebinding) is refused before any connection is made.
 */
export function guardedLookup(policy: CallbackPolicy): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }).then(
      (found) => {
        const ok = found.filter((a) => addressRefusal(policy, a.address) === null);
        if (ok.length === 0) {
          const why = found.length ? addressRefusal(policy, found[0]!.address) : `${hostname} does not resolve`;
          callback(new RefusedAddress(`${hostname}: ${why}`), '', 4);
          return;
        }
        if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, ok);
        else callback(null, ok[0]!.address, ok[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}
