//! Package URLs as Red Hat's VEX documents use them
//! (`pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&epoch=1`).

use std::collections::BTreeMap;

#[derive(Debug, PartialEq, Eq)]
pub struct Purl {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
}

/// Parses `pkg:type/namespace…/name@version?k=v&…#subpath`; `None` if malformed.
pub fn parse(text: &str) -> Option<Purl> {
    let rest = text.strip_prefix("pkg:")?;
    let rest = rest.split('#').next()?;
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let (path, version) = match path.rsplit_once('@') {
        Some((path, version)) if !version.is_empty() => (path, Some(decode(version)?)),
        Some(_) => return None,
        None => (path, None),
    };
    let mut segments = path.trim_matches('/').split('/');
    let kind = segments.next()?.to_ascii_lowercase();
    let mut rest: Vec<String> = segments.map(decode).collect::<Option<_>>()?;
    let name = rest.pop().filter(|n| !n.is_empty())?;
    if kind.is_empty() {
        return None;
    }
    let mut qualifiers = BTreeMap::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=')?;
        qualifiers.insert(key.to_ascii_lowercase(), decode(value)?);
    }
    Some(Purl {
        kind,
        namespace: rest.join("/"),
        name,
        version,
        qualifiers,
    })
}

/// Percent-decoding without form encoding's `+` → space (rpm versions contain `+`).
fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_red_hat_rpm_purls() {
        let purl = parse("pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&epoch=1").unwrap();
        assert_eq!(purl.kind, "rpm");
        assert_eq!(purl.namespace, "redhat");
        assert_eq!(purl.name, "openssl");
        assert_eq!(purl.version.as_deref(), Some("3.0.7-27.el9"));
        assert_eq!(purl.qualifiers["arch"], "x86_64");
        assert_eq!(purl.qualifiers["epoch"], "1");

        let purl = parse("pkg:rpm/redhat/nodejs@18.14.2-2.module%2Bel9.1.0%2B18227+9ff27b61?arch=src&rpmmod=nodejs:18:9010020230223:rhel9").unwrap();
        assert_eq!(
            purl.version.as_deref(),
            Some("18.14.2-2.module+el9.1.0+18227+9ff27b61")
        );
        assert_eq!(purl.qualifiers["rpmmod"], "nodejs:18:9010020230223:rhel9");

        let purl = parse("pkg:rpm/redhat/kernel").unwrap();
        assert_eq!((purl.name.as_str(), purl.version), ("kernel", None));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "rpm/redhat/x",
            "pkg:",
            "pkg:rpm/",
            "pkg:rpm/redhat/x@",
            "pkg:rpm/x?arch",
            "pkg:rpm/x%zz",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
