//! Python package versions (PEP 440): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`,
//! accepting every spelling variant PEP 440 allows and normalising it.

use super::digits::{Number, digit_run};
use super::{VersionError, order_by_cmp};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A PEP 440 version.
#[derive(Debug, Clone)]
pub struct Pep440 {
    text: String,
    epoch: Number,
    release: Vec<Number>,
    pre: Option<(PreKind, Number)>,
    post: Option<Number>,
    dev: Option<Number>,
    local: Option<Vec<LocalPart>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PreKind {
    Alpha,
    Beta,
    Rc,
}

/// A segment of a local version label. Numbers sort after words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart {
    Word(String),
    Number(Number),
}

/// Spellings of each label, longest first where one is a prefix of another.
const PRE_SPELLINGS: [(&str, PreKind); 8] = [
    ("alpha", PreKind::Alpha),
    ("a", PreKind::Alpha),
    ("beta", PreKind::Beta),
    ("b", PreKind::Beta),
    ("preview", PreKind::Rc),
    ("pre", PreKind::Rc),
    ("c", PreKind::Rc),
    ("rc", PreKind::Rc),
];
const POST_SPELLINGS: [&str; 3] = ["post", "rev", "r"];

impl Pep440 {
    /// Parses any version PEP 440 accepts: case-insensitive, surrounding whitespace
    /// ignored, optional `v` prefix, `-`, `_` or `.` (or nothing) around the pre-,
    /// post- and dev-release labels, the alternative labels (`alpha`, `c`, `pre`,
    /// `preview`, `rev`, `r`, ...), `1.0-1` for a post-release, and implicit numbers
    /// (`1.0a` is `1.0a0`).
    pub fn parse(text: &str) -> Result<Pep440, VersionError> {
        let err = |reason: &str| VersionError::new("pep440", text, reason);
        let trimmed = text.trim();
        if !trimmed.is_ascii() {
            return Err(err("non-ASCII character"));
        }
        let lower = trimmed.to_ascii_lowercase();
        let mut p = Parser {
            s: lower.as_bytes(),
        };
        p.eat(b"v");

        let epoch = match p.digits_then(b'!') {
            Some(epoch) => epoch,
            None => Number::from_digits(b""),
        };
        let mut release = vec![p.number().ok_or_else(|| err("no release number"))?];
        while p.s.first() == Some(&b'.') && p.s.get(1).is_some_and(u8::is_ascii_digit) {
            p.s = &p.s[1..];
            release.push(p.number().expect("a digit follows"));
        }

        let pre = p
            .labelled(&PRE_SPELLINGS.map(|(s, _)| s))
            .map(|(i, n)| (PRE_SPELLINGS[i].1, n));
        let post = match p.implicit_post() {
            Some(n) => Some(n),
            None => p.labelled(&POST_SPELLINGS).map(|(_, n)| n),
        };
        let dev = p.labelled(&["dev"]).map(|(_, n)| n);
        let local = if p.eat(b"+") {
            Some(
                p.local()
                    .ok_or_else(|| err("malformed local version label"))?,
            )
        } else {
            None
        };
        if !p.s.is_empty() {
            return Err(err("unexpected text (not a PEP 440 version)"));
        }
        Ok(Pep440 {
            text: text.to_owned(),
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// The canonical spelling: `1.0.POST-2` becomes `1.0.post2`, `v01.0a` becomes
    /// `1.0a0`, `1!1.0+Ubuntu-1` becomes `1!1.0+ubuntu.1`.
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        if !self.epoch.is_zero() {
            out.push_str(&format!("{}!", self.epoch.as_str()));
        }
        let release: Vec<&str> = self.release.iter().map(Number::as_str).collect();
        out.push_str(&release.join("."));
        if let Some((kind, n)) = &self.pre {
            let label = match kind {
                PreKind::Alpha => "a",
                PreKind::Beta => "b",
                PreKind::Rc => "rc",
            };
            out.push_str(&format!("{label}{}", n.as_str()));
        }
        if let Some(n) = &self.post {
            out.push_str(&format!(".post{}", n.as_str()));
        }
        if let Some(n) = &self.dev {
            out.push_str(&format!(".dev{}", n.as_str()));
        }
        if let Some(local) = &self.local {
            let parts: Vec<&str> = local
                .iter()
                .map(|part| match part {
                    LocalPart::Word(w) => w.as_str(),
                    LocalPart::Number(n) => n.as_str(),
                })
                .collect();
            out.push('+');
            out.push_str(&parts.join("."));
        }
        out
    }

    /// True for pre-releases and dev releases (`1.0a1`, `1.0.dev0`, `1.0.post1.dev2`).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The text the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The release numbers without trailing zeros: `1.0.0` and `1` compare equal.
    fn significant_release(&self) -> &[Number] {
        let len = self
            .release
            .iter()
            .rposition(|n| !n.is_zero())
            .map_or(0, |i| i + 1);
        &self.release[..len]
    }

    /// Where the pre-release part puts the version among releases of the same
    /// number: a bare dev release (`1.0.dev1`) sorts before every pre-release,
    /// a final or post release after them.
    fn pre_rank(&self) -> PreRank<'_> {
        match &self.pre {
            Some((kind, n)) => PreRank::Pre(*kind, n),
            None if self.post.is_none() && self.dev.is_some() => PreRank::DevOnly,
            None => PreRank::Final,
        }
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreRank<'a> {
    DevOnly,
    Pre(PreKind, &'a Number),
    Final,
}

/// A cursor over the lower-cased version text.
struct Parser<'a> {
    s: &'a [u8],
}

impl Parser<'_> {
    fn eat(&mut self, prefix: &[u8]) -> bool {
        match self.s.strip_prefix(prefix) {
            Some(rest) => {
                self.s = rest;
                true
            }
            None => false,
        }
    }

    fn eat_separator(&mut self) -> bool {
        match self.s.first() {
            Some(b'-' | b'_' | b'.') => {
                self.s = &self.s[1..];
                true
            }
            _ => false,
        }
    }

    fn number(&mut self) -> Option<Number> {
        let n = digit_run(self.s);
        if n == 0 {
            return None;
        }
        let number = Number::from_digits(&self.s[..n]);
        self.s = &self.s[n..];
        Some(number)
    }

    /// Digits followed by `end` (the epoch's `!`); consumes nothing otherwise.
    fn digits_then(&mut self, end: u8) -> Option<Number> {
        let n = digit_run(self.s);
        if n == 0 || self.s.get(n) != Some(&end) {
            return None;
        }
        let number = Number::from_digits(&self.s[..n]);
        self.s = &self.s[n + 1..];
        Some(number)
    }

    /// `[sep]label[sep][digits]` for one of `labels`; returns the label's index and
    /// the number (0 when absent). Consumes nothing when no label matches.
    fn labelled(&mut self, labels: &[&str]) -> Option<(usize, Number)> {
        let start = self.s;
        self.eat_separator();
        let Some(i) = labels.iter().position(|l| self.s.starts_with(l.as_bytes())) else {
            self.s = start;
            return None;
        };
        self.s = &self.s[labels[i].len()..];
        self.eat_separator();
        let n = self.number().unwrap_or_else(|| Number::from_digits(b""));
        Some((i, n))
    }

    /// The `-N` spelling of a post-release.
    fn implicit_post(&mut self) -> Option<Number> {
        if self.s.first() != Some(&b'-') || !self.s.get(1).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        self.s = &self.s[1..];
        self.number()
    }

    /// `[a-z0-9]+([-_.][a-z0-9]+)*`, segments made canonical.
    fn local(&mut self) -> Option<Vec<LocalPart>> {
        let mut parts = Vec::new();
        loop {
            let len = self
                .s
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            if len == 0 {
                return None;
            }
            let segment = &self.s[..len];
            parts.push(if segment.iter().all(u8::is_ascii_digit) {
                LocalPart::Number(Number::from_digits(segment))
            } else {
                LocalPart::Word(String::from_utf8_lossy(segment).into_owned())
            });
            self.s = &self.s[len..];
            if self.s.is_empty() || !self.eat_separator() {
                return Some(parts);
            }
        }
    }
}

impl Ord for Pep440 {
    fn cmp(&self, other: &Self) -> Ordering {
        // A missing post-release sorts before `.post0`, a missing dev release
        // after every `.devN`, and a missing local label before any label.
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.significant_release().cmp(other.significant_release()))
            .then_with(|| self.pre_rank().cmp(&other.pre_rank()))
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| match (&self.dev, &other.dev) {
                (Some(a), Some(b)) => a.cmp(b),
                (a, b) => a.is_none().cmp(&b.is_none()),
            })
            .then_with(|| self.local.cmp(&other.local))
    }
}

order_by_cmp!(Pep440);

impl fmt::Display for Pep440 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Pep440 {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pep440::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Pep440 {
        Pep440::parse(s).unwrap()
    }

    #[test]
    fn normalizes() {
        for (given, canonical) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            (" 1.0\n", "1.0"),
            ("1.0.POST-2", "1.0.post2"),
            ("01.00a", "1.0a0"),
            ("1.0-preview_3", "1.0rc3"),
            ("1.0c1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.r", "1.0.post0"),
            ("1.0a.", "1.0a0"),
            ("1.0DEV", "1.0.dev0"),
            ("0!1.0", "1.0"),
            ("1!1.0+Ubuntu-01_x", "1!1.0+ubuntu.1.x"),
        ] {
            assert_eq!(v(given).normalized(), canonical, "{given:?}");
            assert_eq!(v(given).to_string(), given);
        }
    }

    #[test]
    fn orders_like_packaging() {
        let sorted = [
            "1.0.dev0",
            "1.0a0.dev0",
            "1.0a0",
            "1.0a1",
            "1.0b0",
            "1.0rc0",
            "1.0",
            "1.0+local",
            "1.0.post0.dev0",
            "1.0.post0",
            "1.0.1",
            "1!0.1",
        ];
        for pair in sorted.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0"), v("1.0.0"));
        assert!(v("1.0+abc") < v("1.0+1"));
        assert!(v("1.0+1") < v("1.0+1.a"));
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "v",
            "1.0-",
            "1.0+",
            "1.0+a..b",
            "1..0",
            "1.0x",
            "a1",
            "1.0.post1a1",
        ] {
            assert_eq!(Pep440::parse(bad).unwrap_err().input(), bad);
        }
    }
}
