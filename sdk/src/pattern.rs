//! The small regular-expression subset that architecture patterns use
//! (`aarch64|ppc64le|x86_64`, `^(i686|x86_64)$`, `i.86`): alternatives of literals,
//! `.`, `\` escapes, `^` / `$` anchors, and one group around the whole alternation.
//! Matching is unanchored unless anchored, as Go's `regexp.MatchString`.
//! Anything else (`*`, `+`, `?`, classes, nested groups) is not parsed.

/// A parsed pattern: any branch matching means a match.
#[derive(Debug, Clone)]
pub struct Pattern {
    branches: Vec<Branch>,
}

#[derive(Debug, Clone)]
struct Branch {
    start: bool,
    end: bool,
    /// `None` is `.` (any character).
    atoms: Vec<Option<char>>,
}

impl Pattern {
    /// `None` when the pattern uses syntax outside the subset.
    pub fn parse(pattern: &str) -> Option<Pattern> {
        let (outer_start, rest) = strip(pattern, '^', true);
        let (outer_end, rest) = strip(rest, '$', false);
        let grouped = rest.starts_with('(') && rest.ends_with(')') && rest.len() >= 2;
        let (inner, start, end) = if grouped {
            (&rest[1..rest.len() - 1], outer_start, outer_end)
        } else {
            (pattern, false, false)
        };
        let branches = split_branches(inner)?
            .into_iter()
            .map(|b| parse_branch(&b, start, end))
            .collect::<Option<Vec<_>>>()?;
        Some(Pattern { branches })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        self.branches.iter().any(|b| b.is_match(&chars))
    }
}

fn strip(text: &str, anchor: char, front: bool) -> (bool, &str) {
    let stripped = if front {
        text.strip_prefix(anchor)
    } else {
        text.strip_suffix(anchor).filter(|t| !t.ends_with('\\'))
    };
    match stripped {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// Splits on unescaped `|`, keeping escapes for [`parse_branch`].
fn split_branches(text: &str) -> Option<Vec<String>> {
    let mut branches = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next()?;
                let last = branches.last_mut()?;
                last.push('\\');
                last.push(escaped);
            }
            '|' => branches.push(String::new()),
            _ => branches.last_mut()?.push(c),
        }
    }
    Some(branches)
}

fn parse_branch(text: &str, group_start: bool, group_end: bool) -> Option<Branch> {
    let (start, rest) = strip(text, '^', true);
    let (end, rest) = strip(rest, '$', false);
    let mut atoms = Vec::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => atoms.push(Some(chars.next()?)),
            '.' => atoms.push(None),
            '*' | '+' | '?' | '[' | ']' | '{' | '}' | '(' | ')' | '^' | '$' => return None,
            _ => atoms.push(Some(c)),
        }
    }
    Some(Branch {
        start: start || group_start,
        end: end || group_end,
        atoms,
    })
}

impl Branch {
    fn is_match(&self, text: &[char]) -> bool {
        let n = self.atoms.len();
        if n > text.len() {
            return false;
        }
        let last_start = text.len() - n;
        let starts: Box<dyn Iterator<Item = usize>> = match (self.start, self.end) {
            (true, true) if n != text.len() => return false,
            (true, _) => Box::new(0..=0),
            (false, true) => Box::new(last_start..=last_start),
            (false, false) => Box::new(0..=last_start),
        };
        starts.into_iter().any(|at| {
            self.atoms
                .iter()
                .zip(&text[at..at + n])
                .all(|(atom, c)| atom.is_none_or(|a| a == *c))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::parse(pattern).unwrap().is_match(text)
    }

    #[test]
    fn alternations_and_anchors() {
        assert!(matches("aarch64|ppc64le|x86_64", "x86_64"));
        assert!(!matches("aarch64|ppc64le|x86_64", "s390x"));
        // Unanchored, as Go's MatchString: a substring matches.
        assert!(matches("86", "x86_64"));
        assert!(!matches("^86", "x86_64"));
        assert!(matches("^(i686|x86_64)$", "i686"));
        assert!(!matches("^(i686|x86_64)$", "i6866"));
        assert!(matches("i.86", "i586"));
        assert!(matches("noarch$", "noarch"));
        assert!(!matches("x86\\.64", "x86_64"));
    }

    #[test]
    fn refuses_other_syntax() {
        for p in ["x86_*", "[ix]86", "(a|b)|c", "a+", "\\"] {
            assert!(Pattern::parse(p).is_none(), "{p}");
        }
    }
}
