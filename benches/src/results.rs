//! Recording figures in `benches/RESULTS.md`: one section per benchmark and machine,
//! between HTML comment markers, replaced by a rerun and appended otherwise.

use std::{
    io,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

/// Warns that a debug build's figures mean nothing, and refuses to record them.
pub fn release_only(write_results: bool) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; figures are meaningless (use --release)");
        anyhow::ensure!(!write_results, "--write-results needs a release build");
    }
    Ok(())
}

/// The opening of a benchmark's section: its title with the machine key, then date,
/// commit, machine, load average before (`load_before`) and now, and the command line.
pub fn header(bench: &str, load_before: Option<f64>) -> String {
    let machine = crate::machine::Machine::detect();
    let load = |value: Option<f64>| value.map_or("unknown".to_string(), |v| format!("{v:.2}"));
    format!(
        "## {bench} @ {}\n\n- Date: {}\n- Commit: `{}`\n- Machine: {}\n- Load average (1 min): {} before, {} after (2 shared CPUs: anything well above 0 means other work competed)\n- Command: `{}`\n",
        machine.key(),
        utc_now(),
        git_commit().unwrap_or_default(),
        machine.describe(),
        load(load_before),
        load(crate::machine::load_average()),
        shell_line(std::env::args()),
    )
}

/// `benches/RESULTS.md` in the source tree this binary was built from.
pub fn results_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md")
}

/// Puts `body` in the section named `key` of `path`: replaces the section if it is
/// there, appends it otherwise. The file must exist (it carries the header).
pub fn record(path: &Path, key: &str, body: &str) -> io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    std::fs::write(path, replace_section(&text, key, body))
}

fn replace_section(text: &str, key: &str, body: &str) -> String {
    let begin = format!("<!-- begin {key} -->");
    let end = format!("<!-- end {key} -->");
    let section = format!("{begin}\n{}\n{end}\n", body.trim_end());
    if let Some(start) = text.find(&begin)
        && let Some(stop) = text[start..].find(&end)
    {
        let mut after = start + stop + end.len();
        if text[after..].starts_with('\n') {
            after += 1;
        }
        return format!("{}{section}{}", &text[..start], &text[after..]);
    }
    let mut out = text.trim_end().to_string();
    out.push_str("\n\n");
    out.push_str(&section);
    out
}

/// Now, as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let minute_of_day = secs % 86_400 / 60;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's
/// algorithm); saves a date crate for one line of output.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The source tree's commit, with `-dirty` when it has changes; `None` without git.
pub fn git_commit() -> Option<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    let dirty = git(&["status", "--porcelain"]).is_some_and(|status| !status.is_empty());
    Some(if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    })
}

/// `args` as one shell-pasteable line.
pub fn shell_line<I: IntoIterator<Item = String>>(args: I) -> String {
    args.into_iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                arg
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_appended_then_replaced() {
        let header = "# Results\n\nintro\n";
        let once = replace_section(header, "a", "first");
        assert_eq!(
            once,
            "# Results\n\nintro\n\n<!-- begin a -->\nfirst\n<!-- end a -->\n"
        );
        let other = replace_section(&once, "b", "other");
        let twice = replace_section(&other, "a", "second\n");
        assert!(twice.contains("<!-- begin a -->\nsecond\n<!-- end a -->\n"));
        assert!(!twice.contains("first"));
        assert!(twice.contains("other"));
        assert_eq!(twice.matches("<!-- begin").count(), 2);
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn quoting() {
        let line = shell_line(["run".to_string(), "a b".to_string(), "it's".to_string()]);
        assert_eq!(line, r"run 'a b' 'it'\''s'");
    }
}
