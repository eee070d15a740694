//! CPE names as os-release writes them (`CPE_NAME`), converted to the CPE 2.3 formatted
//! string binding that Scry's distribution records carry.

/// part, vendor, product, version, update, edition, language, sw_edition, target_sw,
/// target_hw, other.
const ATTRIBUTES: usize = 11;

/// Converts a URI binding (`cpe:/o:redhat:enterprise_linux:8.0:GA`) or a possibly short
/// formatted string (`cpe:2.3:o:amazon:amazon_linux:2`) to a full formatted string
/// (`cpe:2.3:o:redhat:enterprise_linux:8.0:ga:*:*:*:*:*:*`). `None` when it is neither.
pub fn to_formatted_string(cpe: &str) -> Option<String> {
    let cpe = cpe.trim();
    let values = if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
        split_formatted(rest)?
    } else {
        unbind_uri(cpe.strip_prefix("cpe:/")?)?
    };
    if values.len() > ATTRIBUTES || !matches!(values[0].as_str(), "a" | "o" | "h" | "*") {
        return None;
    }
    let mut all = values;
    all.resize(ATTRIBUTES, "*".to_string());
    Some(format!("cpe:2.3:{}", all.join(":")))
}

/// Formatted-string components, split at colons that are not backslash-escaped.
fn split_formatted(rest: &str) -> Option<Vec<String>> {
    let mut values = vec![String::new()];
    let mut escaped = false;
    for c in rest.chars() {
        match c {
            ':' if !escaped => values.push(String::new()),
            _ => values.last_mut()?.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    Some(
        values
            .into_iter()
            .map(|v| if v.is_empty() { "*".to_string() } else { v })
            .collect(),
    )
}

/// URI components decoded into formatted-string values. A packed edition
/// (`~edition~sw_edition~target_sw~target_hw~other`) unpacks into its five attributes,
/// which sit around `language` in the formatted order.
fn unbind_uri(rest: &str) -> Option<Vec<String>> {
    let mut components: Vec<&str> = rest.split(':').collect();
    if components.len() > 7 {
        return None;
    }
    components.resize(7, "");
    let mut values = components[..5]
        .iter()
        .map(|c| decode(c))
        .collect::<Option<Vec<_>>>()?;
    let language = decode(components[6])?;
    match components[5].strip_prefix('~') {
        Some(packed) => {
            let packed = packed.split('~').map(decode).collect::<Option<Vec<_>>>()?;
            let [edition, extended @ ..] = packed.as_slice() else {
                return None;
            };
            if extended.len() != 4 {
                return None;
            }
            values.push(edition.clone());
            values.push(language);
            values.extend_from_slice(extended);
        }
        None => {
            values.push(decode(components[5])?);
            values.push(language);
        }
    }
    Some(values)
}

/// One URI value: empty is ANY, `-` is NA, `%01`/`%02` are the `?`/`*` wildcards, other
/// percent-escapes are literal characters. Values are case-insensitive, so lower-cased.
fn decode(value: &str) -> Option<String> {
    match value {
        "" => return Some("*".to_string()),
        "-" => return Some("-".to_string()),
        _ => {}
    }
    let mut out = String::with_capacity(value.len());
    let mut bytes = value.bytes();
    while let Some(b) = bytes.next() {
        let c = if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            match u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()? {
                0x01 => {
                    out.push('?');
                    continue;
                }
                0x02 => {
                    out.push('*');
                    continue;
                }
                decoded => decoded as char,
            }
        } else {
            b as char
        };
        let c = c.to_ascii_lowercase();
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            out.push('\\');
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_bindings_from_real_os_release_files() {
        assert_eq!(
            to_formatted_string("cpe:/o:redhat:enterprise_linux:8.0:GA").as_deref(),
            Some("cpe:2.3:o:redhat:enterprise_linux:8.0:ga:*:*:*:*:*:*")
        );
        assert_eq!(
            to_formatted_string("cpe:/o:redhat:enterprise_linux:9::baseos").as_deref(),
            Some("cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*")
        );
        assert_eq!(
            to_formatted_string("cpe:/o:fedoraproject:fedora:39").as_deref(),
            Some("cpe:2.3:o:fedoraproject:fedora:39:*:*:*:*:*:*:*")
        );
        assert_eq!(
            to_formatted_string("cpe:/o:suse:sles:15:sp5").as_deref(),
            Some("cpe:2.3:o:suse:sles:15:sp5:*:*:*:*:*:*")
        );
    }

    #[test]
    fn short_formatted_strings_are_padded() {
        assert_eq!(
            to_formatted_string("cpe:2.3:o:amazon:amazon_linux:2023").as_deref(),
            Some("cpe:2.3:o:amazon:amazon_linux:2023:*:*:*:*:*:*:*")
        );
    }

    #[test]
    fn language_and_packed_editions_land_in_place() {
        assert_eq!(
            to_formatted_string("cpe:/a:vendor:product:1.0:update:edition:en").as_deref(),
            Some("cpe:2.3:a:vendor:product:1.0:update:edition:en:*:*:*:*")
        );
        assert_eq!(
            to_formatted_string("cpe:/a:vendor:product:1.0::~ed~sw~tsw~thw~oth").as_deref(),
            Some("cpe:2.3:a:vendor:product:1.0:*:ed:*:sw:tsw:thw:oth")
        );
    }

    #[test]
    fn escapes_and_wildcards() {
        assert_eq!(
            to_formatted_string("cpe:/a:foo%21:bar%02:-").as_deref(),
            Some("cpe:2.3:a:foo\\!:bar*:-:*:*:*:*:*:*:*")
        );
    }

    #[test]
    fn rejects_what_is_not_a_cpe() {
        assert_eq!(to_formatted_string(""), None);
        assert_eq!(to_formatted_string("cpe:/x:vendor"), None);
        assert_eq!(to_formatted_string("cpe:/o:a:b:c:d:e:f:g"), None);
        assert_eq!(to_formatted_string("cpe:/o:bad%zz"), None);
        assert_eq!(to_formatted_string("cpe:/o:a:b:c::~x~y"), None);
        assert_eq!(
            to_formatted_string("cpe:2.3:o:1:2:3:4:5:6:7:8:9:10:11"),
            None
        );
    }
}
