//! Durations written the way Clair (Go's `time.ParseDuration`) writes them:
//! a sequence of decimal numbers, each with a unit, such as `30s`, `1.5h` or `1h30m`.
//!
//! Units: `ns`, `us` (also `µs`, `μs`), `ms`, `s`, `m`, `h`. A bare `0` is allowed. A
//! leading `-` is accepted as Go does; since every duration Scry reads is a period or a
//! timeout, a negative value is read as zero (which selects the default where the key
//! has one).

use std::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Parses a Go duration string. Negative values come back as [`Duration::ZERO`].
pub fn parse(text: &str) -> Result<Duration, String> {
    let invalid =
        || format!("invalid duration {text:?} (expected e.g. \"30s\", \"5m\", \"1h30m\")");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    // Go's limit: the value must fit an i64 count of nanoseconds.
    let limit = i64::MAX as u128;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (whole, after_whole) = take_digits(rest);
        let mut value: u128 = 0;
        for digit in whole.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u128::from(digit - b'0')))
                .filter(|v| *v <= limit)
                .ok_or_else(|| format!("duration {text:?} is too large"))?;
        }
        rest = after_whole;
        let mut fraction = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let (digits, after_fraction) = take_digits(after_dot);
            fraction = digits;
            rest = after_fraction;
        }
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let (unit, after_unit) = rest.split_at(unit_len);
        let unit_nanos = unit_nanos(unit).ok_or_else(|| {
            if unit.is_empty() {
                format!("missing unit in duration {text:?} (use ns, us, ms, s, m or h)")
            } else {
                format!("unknown unit {unit:?} in duration {text:?} (use ns, us, ms, s, m or h)")
            }
        })?;
        rest = after_unit;
        // Fractions beyond 18 digits are far below a nanosecond of any unit.
        let fraction = &fraction[..fraction.len().min(18)];
        let mut fraction_value: u128 = 0;
        for digit in fraction.bytes() {
            fraction_value = fraction_value * 10 + u128::from(digit - b'0');
        }
        let scale = 10u128.pow(fraction.len() as u32);
        total = value
            .checked_mul(unit_nanos)
            .and_then(|v| v.checked_add(fraction_value * unit_nanos / scale))
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= limit)
            .ok_or_else(|| format!("duration {text:?} is too large"))?;
    }
    if negative {
        return Ok(Duration::ZERO);
    }
    let secs = (total / NANOS_PER_SEC) as u64;
    let nanos = (total % NANOS_PER_SEC) as u32;
    Ok(Duration::new(secs, nanos))
}

fn take_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS_PER_SEC,
        "m" => 60 * NANOS_PER_SEC,
        "h" => 3_600 * NANOS_PER_SEC,
        _ => return None,
    })
}

/// Formats a duration as Go does (`6h0m0s`, `1m30s`, `1.5s`, `250ms`), so that
/// [`parse`] reads it back unchanged.
pub fn format(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < NANOS_PER_SEC {
        return if nanos < 1_000 {
            format!("{nanos}ns")
        } else if nanos < 1_000_000 {
            format!("{}\u{b5}s", decimal(nanos, 1_000))
        } else {
            format!("{}ms", decimal(nanos, 1_000_000))
        };
    }
    let hours = nanos / (3_600 * NANOS_PER_SEC);
    let minutes = nanos / (60 * NANOS_PER_SEC) % 60;
    let seconds = decimal(nanos % (60 * NANOS_PER_SEC), NANOS_PER_SEC);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// `value / unit` as a decimal without trailing zeros.
fn decimal(value: u128, unit: u128) -> String {
    let whole = value / unit;
    let fraction = value % unit;
    if fraction == 0 {
        return whole.to_string();
    }
    let width = unit.ilog10() as usize;
    let digits = format!("{fraction:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// `#[serde(with = "crate::duration::go")]` for a [`Duration`] field.
pub mod go {
    use std::time::Duration;

    use serde::{Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        deserializer.deserialize_str(Visitor)
    }

    pub(super) struct Visitor;

    impl de::Visitor<'_> for Visitor {
        type Value = Duration;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a duration string such as \"30s\", \"5m\" or \"1h30m\"")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            super::parse(text).map_err(E::custom)
        }
    }
}

/// `#[serde(default, with = "crate::duration::go_opt")]` for an `Option<Duration>` field:
/// absent or `null` is `None`.
pub mod go_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => super::go::serialize(duration, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::go")] Duration);
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(d)| d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn parses_go_duration_strings() {
        assert_eq!(parse("30s"), Ok(secs(30)));
        assert_eq!(parse("5m"), Ok(secs(300)));
        assert_eq!(parse("1h30m"), Ok(secs(5400)));
        assert_eq!(parse("6h"), Ok(secs(21600)));
        assert_eq!(parse("1.5h"), Ok(secs(5400)));
        assert_eq!(parse(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1.s"), Ok(secs(1)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("10\u{b5}s"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("10\u{3bc}s"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(parse("1h2m3s4ms5us6ns"), Ok(Duration::new(3723, 4_005_006)));
        assert_eq!(parse("+1m"), Ok(secs(60)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("-0"), Ok(Duration::ZERO));
        assert_eq!(parse("-5m"), Ok(Duration::ZERO));
        assert_eq!(parse("2562047h"), Ok(secs(2_562_047 * 3600)));
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "", "-", "30", "5 m", "1d", "s", ".s", "1h30", "1.2.3s", "0s0", "2562048h", "1e3s",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse("1d").unwrap_err().contains("unknown unit \"d\""));
        assert!(parse("30").unwrap_err().contains("missing unit"));
    }

    #[test]
    fn formats_as_go_does_and_round_trips() {
        for (duration, text) in [
            (Duration::ZERO, "0s"),
            (secs(21600), "6h0m0s"),
            (secs(90), "1m30s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_micros(10), "10\u{b5}s"),
            (Duration::from_nanos(7), "7ns"),
            (Duration::new(3723, 4_005_006), "1h2m3.004005006s"),
        ] {
            assert_eq!(format(duration), text);
            assert_eq!(parse(text), Ok(duration));
        }
    }
}
