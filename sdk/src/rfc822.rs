//! RFC 822-style records: the shape of dpkg's `status`, apk's `installed` database
//! and Python's `METADATA`/`PKG-INFO` headers.
//!
//! A record ("paragraph") is a run of `Key: value` lines; records are separated by
//! empty lines. A line that starts with a space or tab continues the previous field,
//! even when it holds nothing but whitespace (old `PKG-INFO` files fold blank
//! description lines that way). Keys compare case-insensitively with [`Paragraph::get`]
//! and exactly with [`Paragraph::get_exact`] (apk's one-letter keys differ only by case).
//!
//! Values borrow from the input; only folded (multi-line) values are copied.

use std::borrow::Cow;
use std::fmt;

/// One `Key: value` field. `value` has surrounding whitespace removed; a folded value
/// keeps one line per physical line, each without its leading whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
    /// 1-based line of the field's first line in the input.
    pub line: usize,
}

/// One record: its fields in input order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph<'a> {
    fields: Vec<Field<'a>>,
}

impl<'a> Paragraph<'a> {
    /// The first field named `name`, ignoring ASCII case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.value.as_ref())
    }

    /// Like [`Paragraph::get`], but the value keeps the input's lifetime (a borrow for
    /// single-line values, a copy for folded ones).
    pub fn get_cow(&self, name: &str) -> Option<Cow<'a, str>> {
        self.field(name).map(|f| f.value.clone())
    }

    /// The first field named exactly `name` (case-sensitive).
    pub fn get_exact(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_ref())
    }

    /// Every value of fields named `name` (case-insensitive), in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_ref())
    }

    /// Whether any field is named `name` (case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    pub fn fields(&self) -> &[Field<'a>] {
        &self.fields
    }

    /// 1-based line where the record starts (0 for an empty record).
    pub fn line(&self) -> usize {
        self.fields.first().map_or(0, |f| f.line)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// A line that is neither a field, a continuation nor a separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// 1-based line number in the input.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for Error {}

/// Every record of `text`. After an error the iterator resumes at the next record.
pub fn paragraphs(text: &str) -> Paragraphs<'_> {
    Paragraphs {
        lines: text.split('\n').enumerate().peekable(),
    }
}

/// The first record only: the header block of an email-style file such as `METADATA`,
/// whose body (after the first empty line) is free text.
pub fn headers(text: &str) -> Result<Paragraph<'_>, Error> {
    paragraphs(text)
        .next()
        .unwrap_or_else(|| Ok(Paragraph::default()))
}

/// The fields of the header block that precede its first bad line: what a lenient
/// reader of hand-edited `METADATA`/`PKG-INFO` files can still use.
pub fn headers_until_error(text: &str) -> Paragraph<'_> {
    let mut records = paragraphs(text);
    records.skip_separators();
    records.read_record().0
}

/// Iterator over the records of a text; see [`paragraphs`].
pub struct Paragraphs<'a> {
    lines: std::iter::Peekable<std::iter::Enumerate<std::str::Split<'a, char>>>,
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Result<Paragraph<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.skip_separators();
        self.lines.peek()?;
        let (paragraph, error) = self.read_record();
        Some(match error {
            Some(error) => {
                self.skip_record();
                Err(error)
            }
            None => Ok(paragraph),
        })
    }
}

impl<'a> Paragraphs<'a> {
    /// Reads fields up to the end of the record or up to its first bad line, which is
    /// returned as the error; the lines after it stay unread.
    fn read_record(&mut self) -> (Paragraph<'a>, Option<Error>) {
        let mut fields: Vec<Field<'a>> = Vec::new();
        let mut error = None;
        while let Some((index, raw)) = self.lines.next_if(|(_, l)| !strip_cr(l).is_empty()) {
            let line = strip_cr(raw);
            let number = index + 1;
            if line.starts_with([' ', '\t']) {
                match fields.last_mut() {
                    Some(last) => fold(&mut last.value, line.trim()),
                    None => {
                        error = Some(bad_line(number, "continuation line before any field"));
                        break;
                    }
                }
                continue;
            }
            match split_field(line) {
                Some((name, value)) => fields.push(Field {
                    name,
                    value: Cow::Borrowed(value),
                    line: number,
                }),
                None => {
                    error = Some(bad_line(number, "expected `Key: value`"));
                    break;
                }
            }
        }
        // A folded value keeps a trailing empty line when its last continuation was blank.
        for field in &mut fields {
            if let Cow::Owned(value) = &mut field.value {
                value.truncate(value.trim_end().len());
            }
        }
        (Paragraph { fields }, error)
    }

    fn skip_separators(&mut self) {
        while self
            .lines
            .next_if(|(_, l)| strip_cr(l).is_empty())
            .is_some()
        {}
    }

    fn skip_record(&mut self) {
        while self
            .lines
            .next_if(|(_, l)| !strip_cr(l).is_empty())
            .is_some()
        {}
    }
}

fn split_field(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(':')?;
    let valid = !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c.is_control());
    valid.then(|| (name, value.trim()))
}

fn fold<'a>(value: &mut Cow<'a, str>, continuation: &str) {
    let owned = value.to_mut();
    if !owned.is_empty() {
        owned.push('\n');
    }
    owned.push_str(continuation);
}

fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

fn bad_line(line: usize, reason: &str) -> Error {
    Error {
        line,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Paragraph<'_>> {
        paragraphs(text)
            .collect::<Result<_, _>>()
            .expect("valid input")
    }

    #[test]
    fn splits_records_on_empty_lines() {
        let text = "Package: a\nVersion: 1\n\n\nPackage: b\nVersion: 2\n";
        let records = all(text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].get("Package"), Some("a"));
        assert_eq!(records[1].get("version"), Some("2"));
        assert_eq!(records[1].line(), 5);
    }

    #[test]
    fn single_line_values_borrow_from_the_input() {
        let records = all("Package: zlib1g\n");
        assert!(matches!(
            records[0].fields()[0].value,
            Cow::Borrowed("zlib1g")
        ));
    }

    #[test]
    fn keys_are_case_insensitive_unless_asked_otherwise() {
        let records = all("C:Q1abc=\nc:1e9cba35\nP:musl\n");
        assert_eq!(records[0].get("c"), Some("Q1abc="));
        assert_eq!(records[0].get_exact("c"), Some("1e9cba35"));
        assert_eq!(records[0].get_exact("C"), Some("Q1abc="));
        assert_eq!(records[0].get_exact("p"), None);
    }

    #[test]
    fn continuation_lines_fold_into_the_previous_field() {
        let text = "Description: short\n more\n .\n\tlast\nNext: x\n";
        let records = all(text);
        assert_eq!(records[0].get("Description"), Some("short\nmore\n.\nlast"));
        assert_eq!(records[0].get("Next"), Some("x"));
    }

    #[test]
    fn whitespace_only_lines_continue_rather_than_separate() {
        let text = "Description: a\n        \n        b\nPlatform: UNKNOWN\n";
        let records = all(text);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].get("Description"), Some("a\n\nb"));
        assert_eq!(records[0].get("Platform"), Some("UNKNOWN"));
    }

    #[test]
    fn empty_first_line_value_folds_without_a_leading_newline() {
        let records = all("Conffiles:\n /etc/a 0123\n /etc/b 4567\n");
        assert_eq!(
            records[0].get("conffiles"),
            Some("/etc/a 0123\n/etc/b 4567")
        );
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let records = all("Name: six\r\nVersion: 1.16.0\r\n\r\nName: idna\r\n");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].get("Version"), Some("1.16.0"));
    }

    #[test]
    fn values_keep_later_colons() {
        let records = all("a:0:0:755\nSource: http://x:80/\n");
        assert_eq!(records[0].get_exact("a"), Some("0:0:755"));
        assert_eq!(records[0].get("Source"), Some("http://x:80/"));
    }

    #[test]
    fn repeated_keys_are_all_kept() {
        let records = all("F:lib\nR:a.so\nR:b.so\n");
        assert_eq!(
            records[0].get_all("R").collect::<Vec<_>>(),
            ["a.so", "b.so"]
        );
    }

    #[test]
    fn bad_lines_are_errors_with_line_numbers_and_parsing_resumes() {
        let text = "Package: a\nthis is not a field\nVersion: 1\n\nPackage: b\n";
        let results: Vec<_> = paragraphs(text).collect();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].as_ref().unwrap_err().line, 2);
        assert_eq!(results[1].as_ref().unwrap().get("Package"), Some("b"));
    }

    #[test]
    fn continuation_at_record_start_is_an_error() {
        let err = paragraphs(" orphan\n").next().unwrap().unwrap_err();
        assert_eq!(err.line, 1);
    }

    #[test]
    fn keys_with_spaces_are_rejected() {
        assert!(paragraphs("Bad Key: x\n").next().unwrap().is_err());
        assert!(paragraphs(": no key\n").next().unwrap().is_err());
    }

    #[test]
    fn headers_stop_at_the_body() {
        let text = "Name: six\nVersion: 1.16.0\n\nName: not-a-header\n";
        let head = headers(text).unwrap();
        assert_eq!(head.get("Name"), Some("six"));
        assert_eq!(head.fields().len(), 2);
    }

    #[test]
    fn lenient_headers_keep_the_fields_before_a_bad_line() {
        let text = "\nMetadata-Version: 1.0\nName: legacy\nVersion: 0.3\nCopyright 2009 nobody\nLicense: MIT\n";
        let head = headers_until_error(text);
        assert_eq!(head.get("Name"), Some("legacy"));
        assert_eq!(head.get("Version"), Some("0.3"));
        assert_eq!(head.get("License"), None);
        assert!(headers(text).is_err());
        assert!(headers_until_error(" orphan\nName: x\n").is_empty());
    }

    #[test]
    fn empty_and_blank_inputs_have_no_records() {
        assert_eq!(paragraphs("").count(), 0);
        assert_eq!(paragraphs("\n\n\r\n").count(), 0);
        assert!(headers("").unwrap().is_empty());
    }
}
