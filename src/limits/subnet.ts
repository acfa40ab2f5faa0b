import ipaddr from 'ipaddr.js';

/**
 * The network an address belongs to, as a key: the /24 of an IPv4 address (an IPv4-mapped IPv6
 * address counts as its IPv4 form), the /64 of an IPv6 one (what a single site is usually given).
 * A string that is not an IP (a test's fake address) is its own network.
 */
export function subnetOf(ip: string): string {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return ip;
  }
  if (address.kind() === 'ipv4') {
    const [a, b, c] = (address as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0/24`;
  }
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
