import { BlockList, isIP } from 'node:net';

/** A list of addresses and CIDRs from configuration; `name` is the variable, for the error. */
export function addressList(name: string, list: string[]): BlockList {
  const bl = new BlockList();
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    const family = isIP(addr ?? '');
    if (!family) throw new Error(`${name}: "${entry}" is not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) bl.addAddress(addr!, type);
    else bl.addSubnet(addr!, Number(bits), type);
  }
  return bl;
}

/** Whether the TCP peer is on the list (IPv4 peers seen as ::ffff:a.b.c.d included). */
export function onList(bl: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (v4) return bl.check(v4, 'ipv4');
  return bl.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
