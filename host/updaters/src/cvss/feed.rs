//! Streams an NVD 2.0 JSON feed (`{"…", "vulnerabilities": [{"cve": …}, …]}`): each CVE
//! is deserialized and handed on before the next is read, so a year's feed (hundreds of
//! megabytes for recent years) is never in memory whole.

use std::fmt;

use scry_model::EnrichmentRecord;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

#[derive(Deserialize)]
struct Item {
    cve: Cve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cve {
    id: String,
    #[serde(default)]
    vuln_status: String,
    #[serde(default)]
    metrics: Metrics,
}

#[derive(Default, Deserialize)]
struct Metrics {
    #[serde(default, rename = "cvssMetricV31")]
    v31: Vec<Metric>,
    #[serde(default, rename = "cvssMetricV30")]
    v30: Vec<Metric>,
}

#[derive(Deserialize)]
struct Metric {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(rename = "cvssData")]
    data: Value,
}

/// The enrichment record of one CVE: the first Primary v3.1 metric's `cvssData`, else
/// the first Primary v3.0 one. Rejected CVEs and CVEs without either have none.
fn record(cve: Cve) -> Option<EnrichmentRecord> {
    if cve.vuln_status.eq_ignore_ascii_case("Rejected") {
        return None;
    }
    let primary = |metrics: Vec<Metric>| metrics.into_iter().find(|m| m.kind == "Primary");
    let metric = primary(cve.metrics.v31).or_else(|| primary(cve.metrics.v30))?;
    Some(EnrichmentRecord {
        tags: vec![cve.id],
        enrichment: metric.data,
    })
}

/// Reads a feed from `reader`, calling `each` with every record. `each`'s errors stop
/// the read and come back as they were.
pub fn read<R, E, F>(reader: R, each: F) -> Result<(), FeedError<E>>
where
    R: std::io::Read,
    F: FnMut(EnrichmentRecord) -> Result<(), E>,
{
    let mut state = State { each, failed: None };
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let result = Feed(&mut state)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    match (state.failed, result) {
        (Some(err), _) => Err(FeedError::Callback(err)),
        (None, Err(err)) => Err(FeedError::Json(err)),
        (None, Ok(())) => Ok(()),
    }
}

#[derive(Debug)]
pub enum FeedError<E> {
    Json(serde_json::Error),
    Callback(E),
}

struct State<E, F> {
    each: F,
    /// Set when `each` failed; the JSON error that unwinds serde is then not the cause.
    failed: Option<E>,
}

struct Feed<'s, E, F>(&'s mut State<E, F>);

impl<'de, E, F: FnMut(EnrichmentRecord) -> Result<(), E>> DeserializeSeed<'de> for Feed<'_, E, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, E, F: FnMut(EnrichmentRecord) -> Result<(), E>> Visitor<'de> for Feed<'_, E, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an NVD 2.0 feed object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "vulnerabilities" {
                map.next_value_seed(Items(&mut *self.0))?;
                seen = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(de::Error::missing_field("vulnerabilities"));
        }
        Ok(())
    }
}

struct Items<'s, E, F>(&'s mut State<E, F>);

impl<'de, E, F: FnMut(EnrichmentRecord) -> Result<(), E>> DeserializeSeed<'de> for Items<'_, E, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, E, F: FnMut(EnrichmentRecord) -> Result<(), E>> Visitor<'de> for Items<'_, E, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of CVE items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Item>()? {
            let Some(record) = record(item.cve) else {
                continue;
            };
            if let Err(err) = (self.0.each)(record) {
                self.0.failed = Some(err);
                return Err(de::Error::custom("stopped: the record handler failed"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_primary_v31_then_v30_and_skips_rejected() {
        let feed = r#"{"format":"NVD_CVE","vulnerabilities":[
          {"cve":{"id":"CVE-1","vulnStatus":"Analyzed","metrics":{
            "cvssMetricV31":[{"type":"Secondary","cvssData":{"n":1}},{"type":"Primary","cvssData":{"n":2}}],
            "cvssMetricV30":[{"type":"Primary","cvssData":{"n":3}}]}}},
          {"cve":{"id":"CVE-2","vulnStatus":"Analyzed","metrics":{
            "cvssMetricV30":[{"type":"Primary","cvssData":{"n":4}}]}}},
          {"cve":{"id":"CVE-3","vulnStatus":"Rejected","metrics":{
            "cvssMetricV31":[{"type":"Primary","cvssData":{"n":5}}]}}},
          {"cve":{"id":"CVE-4","vulnStatus":"Analyzed","metrics":{}}}
        ],"timestamp":"2024-01-01T00:00:00"}"#;
        let mut got = Vec::new();
        read::<_, (), _>(feed.as_bytes(), |r| {
            got.push((r.tags[0].clone(), r.enrichment["n"].as_i64().unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vec![("CVE-1".into(), 2), ("CVE-2".into(), 4)]);
    }

    #[test]
    fn handler_errors_come_back() {
        let feed = r#"{"vulnerabilities":[{"cve":{"id":"CVE-1","metrics":{"cvssMetricV31":[{"type":"Primary","cvssData":{}}]}}}]}"#;
        let err = read(feed.as_bytes(), |_| Err("full")).unwrap_err();
        assert!(matches!(err, FeedError::Callback("full")));
        let err = read::<_, (), _>(&b"{\"vulnerabilities\": [{"[..], |_| Ok(())).unwrap_err();
        assert!(matches!(err, FeedError::Json(_)));
    }
}
