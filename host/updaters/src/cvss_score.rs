//! CVSS base scores from vector strings, and Clair's normalized severity for them.
//!
//! Feeds often give only a vector (OSV's `severity[].score`), so the score is computed
//! here. v3.0 and v3.1 share the formula; v2 has its own. v4 needs the spec's
//! macro-vector tables and is not scored: callers fall back to a feed's own rating.

use std::collections::BTreeMap;

/// The base score (0.0–10.0) of a `CVSS:3.0/…` or `CVSS:3.1/…` vector.
pub fn v3_base_score(vector: &str) -> Option<f64> {
    let rest = vector
        .strip_prefix("CVSS:3.1/")
        .or_else(|| vector.strip_prefix("CVSS:3.0/"))?;
    let metrics = metrics(rest)?;
    let get = |name: &str| metrics.get(name).copied();
    let changed = match get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let attack_vector = match get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let attack_complexity = match get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    // Privileges weigh more when the scope changes.
    let privileges = match (get("PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let interaction = match get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |name: &str| match get(name)? {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
    } else {
        6.42 * iss
    };
    if impact <= 0.0 {
        return Some(0.0);
    }
    let exploitability = 8.22 * attack_vector * attack_complexity * privileges * interaction;
    let base = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(round_up(base.min(10.0)))
}

/// The base score of a v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally in parentheses).
pub fn v2_base_score(vector: &str) -> Option<f64> {
    let vector = vector.trim_start_matches('(').trim_end_matches(')');
    let metrics = metrics(vector)?;
    let get = |name: &str| metrics.get(name).copied();
    let access_vector = match get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let access_complexity = match get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let authentication = match get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |name: &str| match get(name)? {
        "N" => Some(0.0),
        "P" => Some(0.275),
        "C" => Some(0.660),
        _ => None,
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * access_vector * access_complexity * authentication;
    let f_impact: f64 = if impact == 0.0 { 0.0 } else { 1.176 };
    let base = (0.6 * impact + 0.4 * exploitability - 1.5) * f_impact;
    Some((base * 10.0).round() / 10.0)
}

/// `metric:value` pairs separated by `/`; `None` if a pair is malformed or repeated.
fn metrics(text: &str) -> Option<BTreeMap<&str, &str>> {
    let mut metrics = BTreeMap::new();
    for pair in text.split('/') {
        let (name, value) = pair.split_once(':')?;
        if metrics.insert(name, value).is_some() {
            return None;
        }
    }
    Some(metrics)
}

/// CVSS 3.1's Roundup: the smallest one-decimal number ≥ x, computed in integers so
/// that floating-point noise (e.g. 4.000000000001) does not round up a whole step.
fn round_up(x: f64) -> f64 {
    let scaled = (x * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

/// Clair's normalized severity for a v3 score (the v3 qualitative rating; `None` maps
/// to `Negligible`).
pub fn v3_normalized(score: f64) -> &'static str {
    match score {
        s if s <= 0.0 => "Negligible",
        s if s < 4.0 => "Low",
        s if s < 7.0 => "Medium",
        s if s < 9.0 => "High",
        _ => "Critical",
    }
}

/// Clair's normalized severity for a v2 score (NVD's v2 ratings have no Critical).
pub fn v2_normalized(score: f64) -> &'static str {
    match score {
        s if s <= 0.0 => "Negligible",
        s if s < 4.0 => "Low",
        s if s < 7.0 => "Medium",
        _ => "High",
    }
}

/// A feed's own qualitative word (GHSA's `MODERATE`, Red Hat's `Important`, …) as a
/// normalized severity; `Unknown` for anything else.
pub fn normalize_word(word: &str) -> &'static str {
    match word.trim().to_ascii_lowercase().as_str() {
        "none" | "negligible" => "Negligible",
        "low" => "Low",
        "moderate" | "medium" => "Medium",
        "important" | "high" => "High",
        "critical" => "Critical",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_scores_match_nvd() {
        // Scores as NVD publishes them for these vectors.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 5.4),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 7.1),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:N", 6.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 8.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ];
        for (vector, want) in cases {
            assert_eq!(v3_base_score(vector), Some(want), "{vector}");
        }
    }

    #[test]
    fn v2_scores_match_nvd() {
        let cases = [
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
            ("AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3),
            ("(AV:N/AC:L/Au:N/C:C/I:C/A:C)", 10.0),
            ("AV:L/AC:L/Au:N/C:P/I:N/A:N", 2.1),
        ];
        for (vector, want) in cases {
            assert_eq!(v2_base_score(vector), Some(want), "{vector}");
        }
    }

    #[test]
    fn malformed_vectors_have_no_score() {
        for vector in [
            "",
            "CVSS:3.1/AV:N",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ] {
            assert_eq!(v3_base_score(vector), None, "{vector}");
        }
        assert_eq!(v2_base_score("AV:N/AC:L"), None);
    }

    #[test]
    fn ratings() {
        assert_eq!(v3_normalized(0.0), "Negligible");
        assert_eq!(v3_normalized(3.9), "Low");
        assert_eq!(v3_normalized(4.0), "Medium");
        assert_eq!(v3_normalized(7.0), "High");
        assert_eq!(v3_normalized(9.0), "Critical");
        assert_eq!(v2_normalized(10.0), "High");
        assert_eq!(normalize_word("MODERATE"), "Medium");
        assert_eq!(normalize_word("Important"), "High");
        assert_eq!(normalize_word("whatever"), "Unknown");
    }
}
