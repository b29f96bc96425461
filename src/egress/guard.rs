//! Egress address guard: the `Cidr` type and the policy deciding which resolved addresses the client may connect to.
//!
//! The rule, applied to every address *after* resolution (so DNS cannot smuggle a target):
//!
//! 1. The address is canonicalised first: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`)
//!    is judged as the IPv4 address it carries, for the built-in ranges and for the lists.
//! 2. In `deny_cidrs` → refused. Deny always wins, also over `allow_cidrs`.
//! 3. In `allow_cidrs` → allowed, even inside a built-in refused range (this is how an
//!    operator lets webhooks reach a receiver on the same host, e.g. `127.0.0.0/8`).
//! 4. In a built-in refused range → refused: loopback (`127.0.0.0/8`, `::1`), link-local
//!    (`169.254.0.0/16`, `fe80::/10`: cloud metadata lives there), unspecified and
//!    "this network" (`0.0.0.0/8`, `::`), multicast (`224.0.0.0/4`, `ff00::/8`), broadcast
//!    (`255.255.255.255`), and the deprecated IPv4-compatible block `::/96`.
//! 5. Anything else (public *and* private ranges such as `10.0.0.0/8`: on-premises
//!    receivers are normal for a self-hosted appliance) → allowed. Operators who want
//!    private ranges refused list them in `deny_cidrs`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::EgressError;

/// An IP network in CIDR notation (`10.0.0.0/8`, `fd00::/8`) or a single address (`::1`).
///
/// Host bits must be zero (`10.1.0.0/8` is an error, most likely a typo). An IPv4-mapped
/// IPv6 network with a prefix of at least 96 is stored as the IPv4 network it denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a string is not a [`Cidr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError(String);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CidrError {}

impl Cidr {
    /// Parses `addr/prefix` or a bare address (a full-length prefix).
    pub fn parse(input: &str) -> Result<Cidr, CidrError> {
        let s = input.trim();
        let bad = |why: &str| CidrError(format!("invalid CIDR `{}`: {why}", input.trim()));
        let (addr_text, prefix_text) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = IpAddr::from_str(addr_text).map_err(|_| bad("not an IP address"))?;
        let max = max_prefix(addr);
        let prefix = match prefix_text {
            None => max,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad("the prefix length must be a number"));
                }
                let n: u8 = p.parse().map_err(|_| bad("prefix length out of range"))?;
                if n > max {
                    return Err(bad(&format!("prefix length above {max}")));
                }
                n
            }
        };
        let cidr = Cidr::normalise(addr, prefix);
        if mask_addr(cidr.addr, cidr.prefix) != cidr.addr {
            let net = mask_addr(cidr.addr, cidr.prefix);
            return Err(bad(&format!("host bits are set (did you mean {net}/{}?)", cidr.prefix)));
        }
        Ok(cidr)
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies inside this network. An IPv4-mapped IPv6 `ip` is tested as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => mask_addr(ip, self.prefix) == self.addr,
            _ => false,
        }
    }

    fn normalise(addr: IpAddr, prefix: u8) -> Cidr {
        if let IpAddr::V6(v6) = addr
            && let (Some(v4), true) = (v6.to_ipv4_mapped(), prefix >= 96)
        {
            return Cidr { addr: IpAddr::V4(v4), prefix: prefix - 96 };
        }
        Cidr { addr, prefix }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `addr` with every bit after the first `prefix` bits cleared.
fn mask_addr(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        Cidr::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let s = String::deserialize(d)?;
        Cidr::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The operator's lists plus the built-in refused ranges (see the module docs for the order).
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    allow: Vec<Cidr>,
    deny: Vec<Cidr>,
}

impl Policy {
    pub(crate) fn new(allow: Vec<Cidr>, deny: Vec<Cidr>) -> Policy {
        Policy { allow, deny }
    }

    /// Whether the client may connect to `ip`.
    pub(crate) fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        // An IPv4 address inside a NAT64 or 6to4 address is denied as that address.
        let embedded = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        if self.deny.iter().any(|c| c.contains(ip) || embedded.is_some_and(|e| c.contains(e))) {
            return false;
        }
        if self.allow.iter().any(|c| c.contains(ip)) {
            return true;
        }
        !builtin_refused(ip)
    }

    /// `Ok` when allowed, else [`EgressError::Refused`] naming the address as given.
    pub(crate) fn check(&self, ip: IpAddr) -> Result<(), EgressError> {
        if self.allows(ip) { Ok(()) } else { Err(EgressError::Refused { addr: ip }) }
    }
}

/// The cloud metadata service's IPv6 address (AWS): a private (fd00::/8) address, so
/// it is named here rather than caught by a range.
const METADATA_V6: std::net::Ipv6Addr = std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// The built-in refused ranges; `ip` must already be canonical.
fn builtin_refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => v4_refused(a),
        IpAddr::V6(a) => {
            // equivalent mutant: `||` -> `&&` between these two: `::1` and `::` also lie
            // in `::/96`, refused below; they are named for the reader.
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || (u128::from(a) >> 32) == 0
                || a == METADATA_V6
                || embedded_v4(a).is_some_and(v4_refused)
        }
    }
}

fn v4_refused(a: std::net::Ipv4Addr) -> bool {
    a.is_loopback() || a.is_link_local() || a.octets()[0] == 0 || a.is_multicast() || a.is_broadcast()
}

/// The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address: a
/// gateway on the path would forward such an address to that IPv4 target.
fn embedded_v4(a: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = a.segments();
    let bits = u128::from(a);
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return Some(std::net::Ipv4Addr::from((bits & 0xffff_ffff) as u32));
    }
    if s[0] == 0x2002 {
        return Some(std::net::Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|s| Cidr::parse(s).unwrap()).collect()
    }

    #[test]
    fn builtin_refused_ranges_v4_v6_and_mapped() {
        let p = Policy::default();
        for s in [
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "169.254.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "febf:ffff::1",
            "ff02::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "::ffff:224.0.0.1",
            "::ffff:255.255.255.255",
            "fd00:ec2::254",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
        ] {
            assert!(!p.allows(ip(s)), "{s} should be refused");
            assert_eq!(p.check(ip(s)), Err(EgressError::Refused { addr: ip(s) }));
        }
        for s in [
            "93.184.216.34",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.255.0.1",
            "2001:db8::1",
            "fd00::1",
            "fec0::1",
            "::ffff:93.184.216.34",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
            "fd00:ec2::253",
        ] {
            assert!(p.allows(ip(s)), "{s} should be allowed");
        }
    }

    #[test]
    fn allow_overrides_builtin_and_deny_wins() {
        let p = Policy::new(cidrs(&["127.0.0.0/8", "fe80::/10"]), vec![]);
        assert!(p.allows(ip("127.0.0.1")));
        assert!(p.allows(ip("::ffff:127.0.0.2")));
        assert!(p.allows(ip("fe80::1")));
        assert!(!p.allows(ip("::1")), "only the listed ranges are opened");
        assert!(!p.allows(ip("169.254.169.254")));

        let p = Policy::new(cidrs(&["127.0.0.0/8"]), cidrs(&["127.0.0.2", "10.0.0.0/8", "2001:db8::/32"]));
        assert!(p.allows(ip("127.0.0.1")));
        assert!(!p.allows(ip("127.0.0.2")), "in both lists: deny wins");
        assert!(!p.allows(ip("10.9.9.9")));
        assert!(!p.allows(ip("::ffff:10.9.9.9")), "mapped form denied too");
        assert!(!p.allows(ip("64:ff9b::a09:909")), "NAT64 form denied too");
        assert!(!p.allows(ip("2002:a09:909::1")), "6to4 form denied too");
        assert!(!p.allows(ip("2001:db8:1::5")));
        assert!(p.allows(ip("11.0.0.1")));
    }

    #[test]
    fn the_ipv4_address_inside_nat64_and_6to4_is_read_octet_by_octet() {
        let v6 = |s: &str| s.parse::<Ipv6Addr>().unwrap();
        let want = Some(Ipv4Addr::new(192, 0, 2, 4));
        assert_eq!(embedded_v4(v6("64:ff9b::c000:204")), want);
        assert_eq!(embedded_v4(v6("2002:c000:204::1")), want);
        assert_eq!(embedded_v4(v6("2002:102:304:5::")), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(embedded_v4(v6("64:ff9c::c000:204")), None);
        assert_eq!(embedded_v4(v6("2003:c000:204::1")), None);
        // Denied as the address it carries, to the last octet.
        let p = Policy::new(vec![], cidrs(&["10.9.9.0/24"]));
        assert!(!p.allows(ip("2002:a09:909::1")) && p.allows(ip("2002:a09:a09::1")));
    }

    #[test]
    fn cidr_parse_contains_display() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert_eq!(c.to_string(), "10.0.0.0/8");
        assert!(c.contains(ip("10.255.0.1")));
        assert!(c.contains(ip("::ffff:10.0.0.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(!c.contains(ip("::a00:1")));
        let c = Cidr::parse("::1/128").unwrap();
        assert!(c.contains(ip("::1")) && !c.contains(ip("::2")));
        assert_eq!(Cidr::parse("::1").unwrap(), c);
        let c = Cidr::parse("192.0.2.7").unwrap();
        assert_eq!((c.to_string().as_str(), c.prefix()), ("192.0.2.7/32", 32));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("8.8.8.8")) && !all.contains(ip("2001:db8::1")));
        let all6 = Cidr::parse("::/0").unwrap();
        assert!(all6.contains(ip("2001:db8::1")));
        let mapped = Cidr::parse("::ffff:10.0.0.0/104").unwrap();
        assert_eq!(mapped.to_string(), "10.0.0.0/8");
        assert_eq!(Cidr::parse(" fd00::/8 ").unwrap().to_string(), "fd00::/8");
        assert_eq!("fe80::/10".parse::<Cidr>().unwrap().prefix(), 10);
    }

    #[test]
    fn cidr_parse_errors() {
        for s in [
            "",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "10.0.0/8",
            "example.com/8",
            "[::1]/128",
            "10.0.0.0/ 8",
            "10.0.0.0/0008",
        ] {
            assert!(Cidr::parse(s).is_err(), "{s:?} should not parse");
        }
        let e = Cidr::parse("10.1.0.0/8").unwrap_err().to_string();
        assert!(e.contains("host bits") && e.contains("10.0.0.0/8"), "{e}");
    }

    #[test]
    fn cidr_deserialize_from_string() {
        #[derive(serde::Deserialize)]
        struct Conf {
            allow: Vec<Cidr>,
        }
        let c: Conf = serde_json::from_str(r#"{"allow":["127.0.0.0/8","::1"]}"#).unwrap();
        assert_eq!(c.allow.len(), 2);
        assert_eq!(serde_json::to_string(&c.allow[1]).unwrap(), r#""::1/128""#);
        let e = serde_json::from_str::<Conf>(r#"{"allow":["nope"]}"#).err().unwrap();
        assert!(e.to_string().contains("invalid CIDR"), "{e}");
    }
}
