//! `os-release(5)` and `lsb-release` files: `KEY=value` lines in a small subset of
//! shell syntax.
//!
//! Parsing is lenient, as real files are: lines may be indented, `#` starts a comment
//! line, values may be unquoted, `"double"` or `'single'` quoted (or a mix of adjacent
//! pieces), and a backslash escapes the next character outside single quotes. Unquoted
//! whitespace ends the value, so a trailing ` # comment` is dropped. Lines without `=`
//! or with an invalid key are skipped; an unterminated quote runs to the end of the line.

use std::collections::BTreeMap;

/// The key/value pairs of one file. A key given twice keeps its last value, as a shell
/// sourcing the file would.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    fields: BTreeMap<String, String>,
}

impl OsRelease {
    /// The value of `key` (exact, keys are upper case by convention).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// The value of `key` if it is present and not blank.
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.trim().is_empty())
    }

    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Parses the text of an os-release or lsb-release file.
pub fn parse(text: &str) -> OsRelease {
    let fields = text.lines().filter_map(parse_line).collect();
    OsRelease { fields }
}

fn parse_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (key, raw) = line.split_once('=')?;
    let key = key.trim_end();
    let key = key.strip_prefix("export ").map_or(key, str::trim_start);
    is_shell_name(key).then(|| (key.to_string(), unquote(raw)))
}

fn is_shell_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The shell value of `raw`: quotes removed, escapes resolved, stopped at unquoted
/// whitespace.
fn unquote(raw: &str) -> String {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(raw.len());
    let mut quote = Quote::None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (&quote, c) {
            (Quote::None, c) if c.is_whitespace() => break,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            (Quote::None, '\\') => out.extend(chars.next()),
            // Inside double quotes a backslash only escapes these; otherwise it stays.
            (Quote::Double, '\\') => match chars.next() {
                Some(next @ ('"' | '\\' | '$' | '`')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            (_, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_12() {
        // /etc/os-release of Debian 12.
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n";
        let os = parse(text);
        assert_eq!(os.fields().len(), 9);
        assert_eq!(
            os.get("PRETTY_NAME"),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(os.get("VERSION_CODENAME"), Some("bookworm"));
        assert_eq!(os.get("ID"), Some("debian"));
    }

    #[test]
    fn lsb_release() {
        let text = "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n";
        let os = parse(text);
        assert_eq!(os.get("DISTRIB_DESCRIPTION"), Some("Ubuntu 22.04.4 LTS"));
        assert_eq!(os.get("DISTRIB_RELEASE"), Some("22.04"));
    }

    #[test]
    fn quotes_escapes_and_comments() {
        let text = r#"
# a comment
  INDENTED="yes"
SINGLE='it''s $HOME'
ESCAPED="say \"hi\" \$5 \\ \n"
BARE=a\ b
MIXED="a"'b'c
TRAILING="value" # comment
EMPTY=
SPACED="15.1 "
export EXPORTED=1
"#;
        let os = parse(text);
        assert_eq!(os.get("INDENTED"), Some("yes"));
        assert_eq!(os.get("SINGLE"), Some("its $HOME"));
        assert_eq!(os.get("ESCAPED"), Some(r#"say "hi" $5 \ \n"#));
        assert_eq!(os.get("BARE"), Some("a b"));
        assert_eq!(os.get("MIXED"), Some("abc"));
        assert_eq!(os.get("TRAILING"), Some("value"));
        assert_eq!(os.get("EMPTY"), Some(""));
        assert_eq!(os.non_empty("EMPTY"), None);
        assert_eq!(os.get("SPACED"), Some("15.1 "));
        assert_eq!(os.get("EXPORTED"), Some("1"));
    }

    #[test]
    fn invalid_lines_are_skipped() {
        let os = parse("no equals sign\n1BAD=x\nBAD-KEY=y\n=z\nGOOD=ok\nUNTERMINATED=\"open\n");
        assert_eq!(os.fields().len(), 2);
        assert_eq!(os.get("GOOD"), Some("ok"));
        assert_eq!(os.get("UNTERMINATED"), Some("open"));
    }

    #[test]
    fn later_keys_win() {
        assert_eq!(parse("ID=a\nID=b\n").get("ID"), Some("b"));
    }

    #[test]
    fn crlf_and_binary_noise_do_not_panic() {
        let os = parse("ID=alpine\r\nVERSION_ID=3.18.4\r\n\u{0}\u{fffd}=\\");
        assert_eq!(os.get("ID"), Some("alpine"));
        assert_eq!(os.get("VERSION_ID"), Some("3.18.4"));
    }
}
