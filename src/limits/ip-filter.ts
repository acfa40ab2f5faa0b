import ipaddr from 'ipaddr.js';
import { ConfigError } from '../contract/errors.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/** What the filter says of an IP: deny wins over allow; neither is `neutral` (the limits apply). */
export type IpVerdict = 'denied' | 'allowed' | 'neutral';

export interface IpFilterOptions {
  /** CIDRs (or single addresses) whose peers pass the limits. */
  readonly allow?: readonly string[];
  /** CIDRs (or single addresses) refused outright, with the reason `banned`. Deny wins. */
  readonly deny?: readonly string[];
}

/**
 * Allow and deny lists by CIDR, IPv4 and IPv6 (an IPv4-mapped IPv6 address is matched as the
 * IPv4 address it carries). Parsing is ipaddr.js's; a list entry that does not parse is refused
 * at construction with the field and the index named.
 */
export class IpFilter {
  readonly #allow: readonly Range[];
  readonly #deny: readonly Range[];

  constructor(options: IpFilterOptions = {}, field = 'ipFilter') {
    this.#allow = parseList(options.allow ?? [], `${field}.allow`);
    this.#deny = parseList(options.deny ?? [], `${field}.deny`);
  }

  /** True when both lists are empty: every IP is neutral. */
  get empty(): boolean {
    return this.#allow.length === 0 && this.#deny.length === 0;
  }

  verdict(ip: string): IpVerdict {
    if (this.empty) return 'neutral';
    let address: Address;
    try {
      address = ipaddr.process(ip);
    } catch {
      // Not an IP (a test's fake address): only an empty filter would have let it through.
      return this.#deny.length > 0 ? 'denied' : 'neutral';
    }
    if (matches(address, this.#deny)) return 'denied';
    return matches(address, this.#allow) ? 'allowed' : 'neutral';
  }
}

function matches(address: Address, ranges: readonly Range[]): boolean {
  for (const range of ranges) if (range[0].kind() === address.kind() && address.match(range)) return true;
  return false;
}

function parseList(list: readonly string[], field: string): Range[] {
  if (!Array.isArray(list)) throw new ConfigError(field, `must be a list of CIDRs, got ${JSON.stringify(list)}`);
  return list.map((entry, i) => {
    if (typeof entry !== 'string') throw new ConfigError(`${field}[${i}]`, `must be a CIDR string, got ${JSON.stringify(entry)}`);
    try {
      if (entry.includes('/')) {
        const [address, bits] = ipaddr.parseCIDR(entry);
        // ::ffff:10.0.0.0/104 is 10.0.0.0/8: addresses are matched in their IPv4 form.
        if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
          return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] as Range;
        }
        return [address, bits] as Range;
      }
      const address = ipaddr.process(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128] as Range;
    } catch {
      throw new ConfigError(`${field}[${i}]`, `is not a CIDR or an IP address: ${JSON.stringify(entry)}`);
    }
  });
}
