//! CPE names (NISTIR 7695 bindings) and the superset test of NISTIR 7696 name
//! matching, for matchers that key vulnerabilities by product CPE (RHEL).
//!
//! Both bindings parse: the 2.3 formatted string (`cpe:2.3:o:redhat:enterprise_linux:9:*:…`)
//! and the 2.2 URI (`cpe:/o:redhat:enterprise_linux:9::baseos`).

/// The eleven attributes, in binding order.
const ATTRIBUTES: usize = 11;

/// One attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    /// `*` (or empty / missing in a URI): any value.
    #[default]
    Any,
    /// `-`: not applicable.
    NotApplicable,
    /// A value, lowercased, escapes removed.
    Text(String),
}

/// A parsed CPE name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    values: [Value; ATTRIBUTES],
}

impl Cpe {
    /// Parses either binding; `None` for anything else.
    pub fn parse(text: &str) -> Option<Cpe> {
        if let Some(rest) = text.strip_prefix("cpe:2.3:") {
            Self::parse_formatted(rest)
        } else {
            text.strip_prefix("cpe:/").map(Self::parse_uri)
        }
    }

    fn parse_formatted(rest: &str) -> Option<Cpe> {
        let fields = split_unescaped(rest);
        if fields.len() != ATTRIBUTES {
            return None;
        }
        let values = fields.map_values(|f| match f.as_str() {
            "*" => Value::Any,
            "-" => Value::NotApplicable,
            _ => Value::Text(unescape(f).to_lowercase()),
        });
        Some(Cpe { values })
    }

    fn parse_uri(rest: &str) -> Cpe {
        let mut values: [Value; ATTRIBUTES] = Default::default();
        // The URI has seven components; a packed edition (`~ed~sw~tsw~thw~other`)
        // is not used by the feeds this serves and stays in `edition` as text.
        for (slot, field) in values.iter_mut().zip(rest.split(':')) {
            *slot = match field {
                "" | "*" => Value::Any,
                "-" => Value::NotApplicable,
                _ => Value::Text(percent_decode(field).to_lowercase()),
            };
        }
        Cpe { values }
    }

    /// NISTIR 7696: every attribute of `self` (the source) is a superset of or equal
    /// to the same attribute of `target`. A source value ending in `*` matches any
    /// target value with that prefix.
    pub fn is_superset_of(&self, target: &Cpe) -> bool {
        self.values
            .iter()
            .zip(&target.values)
            .all(|(source, target)| match (source, target) {
                (Value::Any, _) => true,
                (Value::NotApplicable, Value::NotApplicable) => true,
                (Value::Text(s), Value::Text(t)) => match s.strip_suffix('*') {
                    Some(prefix) if !s.ends_with("\\*") => t.starts_with(prefix),
                    _ => s == t,
                },
                _ => false,
            })
    }
}

/// Splits a formatted string on `:` not preceded by a backslash.
fn split_unescaped(text: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut escaped = false;
    for c in text.chars() {
        let last = fields.last_mut().expect("never empty");
        if escaped {
            last.push(c);
            escaped = false;
        } else if c == '\\' {
            last.push(c);
            escaped = true;
        } else if c == ':' {
            fields.push(String::new());
        } else {
            last.push(c);
        }
    }
    fields
}

/// Drops the backslash of `\x` escapes, except before a `*` or `?` (kept as a
/// literal-marking escape for [`Cpe::is_superset_of`]).
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('*' | '?')) => {
                    out.push('\\');
                    out.push(next);
                }
                Some(next) => out.push(next),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn percent_decode(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) << 4 | hex(bytes[i + 2]));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

trait MapValues {
    fn map_values(&self, f: impl Fn(&String) -> Value) -> [Value; ATTRIBUTES];
}

impl MapValues for Vec<String> {
    fn map_values(&self, f: impl Fn(&String) -> Value) -> [Value; ATTRIBUTES] {
        let mut values: [Value; ATTRIBUTES] = Default::default();
        for (slot, field) in values.iter_mut().zip(self) {
            *slot = f(field);
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpe(s: &str) -> Cpe {
        Cpe::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn bindings_agree() {
        assert_eq!(
            cpe("cpe:/o:redhat:enterprise_linux:9::baseos"),
            cpe("cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*")
        );
        assert_eq!(
            cpe("cpe:/a:redhat:rhel_eus:8.6"),
            cpe("cpe:2.3:a:redhat:rhel_eus:8.6:*:*:*:*:*:*:*")
        );
        assert!(Cpe::parse("cpe:2.3:o:too:short").is_none());
        assert!(Cpe::parse("not a cpe").is_none());
    }

    #[test]
    fn superset() {
        let product = cpe("cpe:/o:redhat:enterprise_linux:9");
        let repo = cpe("cpe:/o:redhat:enterprise_linux:9::baseos");
        assert!(product.is_superset_of(&repo));
        assert!(!repo.is_superset_of(&product));
        assert!(!cpe("cpe:/o:redhat:enterprise_linux:8").is_superset_of(&repo));
        assert!(cpe("cpe:/o:redhat:enterprise_linux").is_superset_of(&repo));
        assert!(
            cpe("cpe:2.3:o:redhat:enterprise_linux:9*:*:*:*:*:*:*:*").is_superset_of(&cpe(
                "cpe:2.3:o:redhat:enterprise_linux:9.2:*:baseos:*:*:*:*:*"
            ))
        );
        assert!(
            !cpe("cpe:2.3:o:redhat:x:-:*:*:*:*:*:*:*").is_superset_of(&cpe("cpe:/o:redhat:x:1"))
        );
        assert!(cpe("cpe:/o:RedHat:X:1").is_superset_of(&cpe("cpe:/o:redhat:x:1")));
    }
}
