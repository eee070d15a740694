//! The current time as fixed-width RFC 3339 UTC, so stored dates also sort as text.

use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// Times before 1970 (never stored in practice) come out as the epoch.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    format_unix(since.as_secs(), since.subsec_micros())
}

/// Reads any RFC 3339 time back.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(parsed.into())
}

fn format_unix(secs: u64, micros: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm: eras of 400 years starting on March 1st).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_unix(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_unix(951_782_400 + 3661, 5),
            "2000-02-29T01:01:01.000005Z"
        );
        assert_eq!(format_unix(1_735_689_599, 0), "2024-12-31T23:59:59.000000Z");
        assert_eq!(now_rfc3339().len(), 27);
        let now = SystemTime::now();
        let micros = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_micros();
        assert_eq!(micros(parse_rfc3339(&rfc3339(now)).unwrap()), micros(now));
        assert_eq!(parse_rfc3339("not a time"), None);
    }
}
