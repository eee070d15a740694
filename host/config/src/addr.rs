//! Listen addresses: `host:port` as Clair writes them, where the host may be empty
//! (`:6060` listens on every interface), a name, an IPv4 address or a bracketed IPv6
//! address (`[::1]:6060`). The port must be a number.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A `host:port` listen address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    host: String,
    port: u16,
}

impl HostPort {
    /// An address from its parts; an empty host means every interface.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        HostPort {
            host: host.into(),
            port,
        }
    }

    /// The host part, without brackets; empty for "every interface".
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What to hand to a socket `bind` (e.g. `tokio::net::TcpListener::bind`): an empty
    /// host becomes `0.0.0.0` (every IPv4 interface), an IPv6 host is bracketed.
    pub fn bind_address(&self) -> String {
        match self.host.as_str() {
            "" => format!("0.0.0.0:{}", self.port),
            host if host.contains(':') => format!("[{host}]:{}", self.port),
            host => format!("{host}:{}", self.port),
        }
    }

    /// Whether only this machine can reach the address (`localhost`, `127.0.0.0/8`, `::1`).
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl FromStr for HostPort {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = |why: &str| {
            format!(
                "invalid address {text:?}: {why} (expected host:port, e.g. \":6060\" or \"127.0.0.1:6060\")"
            )
        };
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(|| invalid("missing ']'"))?;
            let port = after
                .strip_prefix(':')
                .ok_or_else(|| invalid("missing port"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(invalid("not an IPv6 address in brackets"));
            }
            (host, port)
        } else {
            let (host, port) = text
                .rsplit_once(':')
                .ok_or_else(|| invalid("missing port"))?;
            if host.contains(':') {
                return Err(invalid("an IPv6 host needs brackets"));
            }
            if host.contains(['[', ']', '/', ' ']) {
                return Err(invalid("bad host"));
            }
            (host, port)
        };
        let port = port
            .parse()
            .map_err(|_| invalid("port is not a number from 0 to 65535"))?;
        Ok(HostPort::new(host, port))
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl Serialize for HostPort {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostPort {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clair_style_addresses() {
        let any: HostPort = ":6060".parse().unwrap();
        assert_eq!((any.host(), any.port()), ("", 6060));
        assert_eq!(any.bind_address(), "0.0.0.0:6060");
        assert!(!any.is_loopback());

        let v4: HostPort = "127.0.0.1:8089".parse().unwrap();
        assert_eq!(v4.bind_address(), "127.0.0.1:8089");
        assert!(v4.is_loopback());

        let v6: HostPort = "[::1]:6060".parse().unwrap();
        assert_eq!(v6.host(), "::1");
        assert_eq!(v6.to_string(), "[::1]:6060");
        assert_eq!(v6.bind_address(), "[::1]:6060");
        assert!(v6.is_loopback());

        let name: HostPort = "clair-indexer:6060".parse().unwrap();
        assert_eq!(name.to_string(), "clair-indexer:6060");
    }

    #[test]
    fn rejects_what_is_not_host_port() {
        for bad in [
            "6060",
            "::1:6060",
            "host:http",
            "host:70000",
            "[::1]6060",
            "[nope]:1",
            "",
        ] {
            assert!(
                bad.parse::<HostPort>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
