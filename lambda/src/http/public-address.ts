/**
 * Which IP addresses the function may fetch from on a card's behalf: public unicast only. Everything
 * else reaches something that trusts the network position of whoever asks: the Lambda runtime API
 * and other loopback services, instance metadata (169.254.169.254, link-local), the VPC and other
 * private networks, carrier-grade NAT, multicast, and the IPv6 forms of the same (unique-local,
 * link-local, and addresses that embed an IPv4 one: mapped, NAT64, 6to4, Teredo).
 *
 * IPv6 is allowed only inside global unicast (2000::/3), less its special-purpose blocks, rather than
 * by listing what to refuse: an address nobody thought of stays refused. Ranges from the IANA IPv4
 * and IPv6 special-purpose address registries.
 */
import { BlockList, isIP } from "node:net";

const NOT_PUBLIC_V4: ReadonlyArray<[string, number, string]> = [
  ["0.0.0.0", 8, "this network"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (instance metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.31.196.0", 24, "AS112"],
  ["192.52.193.0", 24, "AMT"],
  ["192.88.99.0", 24, "6to4 relay"],
  ["192.168.0.0", 16, "private"],
  ["192.175.48.0", 24, "AS112"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

// Within 2000::/3.
const NOT_PUBLIC_V6: ReadonlyArray<[string, number, string]> = [
  ["2001::", 23, "IETF protocol assignments (Teredo among them)"],
  ["2001:db8::", 32, "documentation"],
  ["2002::", 16, "6to4 (embeds an IPv4 address)"],
  ["3fff::", 20, "documentation"],
];

function blockList(ranges: ReadonlyArray<[string, number, string]>, type: "ipv4" | "ipv6"): Array<[BlockList, string]> {
  return ranges.map(([network, prefix, what]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return [list, what];
  });
}

const V4 = blockList(NOT_PUBLIC_V4, "ipv4");
const V6 = blockList(NOT_PUBLIC_V6, "ipv6");
const GLOBAL_UNICAST_V6 = blockList([["2000::", 3, ""]], "ipv6")[0]![0];
// Apart, each checked only with its own family: a BlockList holding an IPv4 rule also matches the
// IPv4-mapped IPv6 form (::ffff:127.0.0.1), which is refused like every mapped address.
const LOOPBACK_V4 = blockList([["127.0.0.0", 8, ""]], "ipv4")[0]![0];
const LOOPBACK_V6 = blockList([["::1", 128, ""]], "ipv6")[0]![0];

/** 127.0.0.0/8 or ::1. */
export function isLoopback(address: string): boolean {
  const version = isIP(address);
  return version === 4 ? LOOPBACK_V4.check(address, "ipv4") : version === 6 && LOOPBACK_V6.check(address, "ipv6");
}

export interface AddressPolicy {
  /** Loopback addresses (127.0.0.0/8, ::1) are allowed (the dev server's tests serve pictures from 127.0.0.1). @default false */
  readonly allowLoopback?: boolean;
}

/** Why the function must not connect to `address` (an IP literal), or undefined when it may. */
export function addressProblem(address: string, policy: AddressPolicy = {}): string | undefined {
  const version = isIP(address);
  if (version === 0) return "is not an IP address";
  if (policy.allowLoopback && isLoopback(address)) return undefined;
  if (version === 4) {
    const hit = V4.find(([list]) => list.check(address, "ipv4"));
    return hit ? `is ${hit[1]}, not a public address` : undefined;
  }
  if (!GLOBAL_UNICAST_V6.check(address, "ipv6")) return "is not a global unicast IPv6 address (loopback, link-local, unique-local, multicast and IPv4-mapped are refused)";
  const hit = V6.find(([list]) => list.check(address, "ipv6"));
  return hit ? `is ${hit[1]}, not a public address` : undefined;
}
