//! Ubuntu's CVE OVAL (`com.ubuntu.<codename>.cve.oval.xml`), read in two streaming
//! passes over the file: the first keeps only the compact `dpkginfo` tests, objects,
//! states and constant variables; the second reads one `<definition>` at a time and
//! emits its vulnerabilities. Descriptions (the bulk of the file) are never all held.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use scry_model::{Distribution, Package, Vulnerability, zero_time};

use crate::UpdaterError;
use crate::debian::batch::Batcher;

/// `dpkginfo_test`: which packages (object) at which versions (state).
struct Test {
    object: String,
    state: Option<String>,
}

/// `dpkginfo_object`'s `<name>`: a literal package name or a variable of names.
enum Names {
    Literal(String),
    Variable(String),
}

/// `dpkginfo_state`: the EVR bound (`less than`) and an optional arch constraint.
#[derive(Default)]
struct State {
    evr: Option<String>,
    arch: Option<(String, String)>,
}

/// The lookup tables a definition's criteria resolve through.
#[derive(Default)]
pub struct Tables {
    tests: HashMap<String, Test>,
    objects: HashMap<String, Names>,
    states: HashMap<String, State>,
    variables: HashMap<String, Vec<String>>,
}

/// Reads XML events, naming the file and byte offset in every error.
struct Xml<R: BufRead> {
    reader: Reader<R>,
    what: String,
}

impl<R: BufRead> Xml<R> {
    fn new(input: R, what: &str) -> Xml<R> {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().trim_text(true);
        Xml {
            reader,
            what: what.to_string(),
        }
    }

    fn error(&self, reason: impl std::fmt::Display) -> UpdaterError {
        UpdaterError::Parse {
            what: self.what.clone(),
            reason: format!("at byte {}: {reason}", self.reader.buffer_position()),
        }
    }

    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, UpdaterError> {
        buf.clear();
        match self.reader.read_event_into(buf) {
            Ok(event) => Ok(event),
            Err(err) => Err(self.error(err)),
        }
    }

    /// Skips the rest of the element `start` opened.
    fn skip(&mut self, start: &BytesStart<'_>) -> Result<(), UpdaterError> {
        let mut scratch = Vec::new();
        let end = start.to_end().into_owned();
        self.reader
            .read_to_end_into(end.name(), &mut scratch)
            .map(|_| ())
            .map_err(|err| self.error(err))
    }

    fn attr(&self, element: &BytesStart<'_>, name: &str) -> Result<Option<String>, UpdaterError> {
        let attribute = element
            .try_get_attribute(name)
            .map_err(|err| self.error(err))?;
        attribute
            .map(|a| a.unescape_value().map(|v| v.into_owned()))
            .transpose()
            .map_err(|err| self.error(err))
    }

    fn text(&self, event: &Event<'_>) -> Result<Option<String>, UpdaterError> {
        match event {
            Event::Text(text) => text
                .unescape()
                .map(|t| Some(t.into_owned()))
                .map_err(|err| self.error(err)),
            Event::CData(data) => Ok(Some(String::from_utf8_lossy(data).into_owned())),
            _ => Ok(None),
        }
    }
}

fn local(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.local_name().as_ref()).into_owned()
}

/// Pass 1: everything but the definitions.
pub fn read_tables(input: impl BufRead, what: &str) -> Result<Tables, UpdaterError> {
    let mut xml = Xml::new(input, what);
    let mut tables = Tables::default();
    let mut buf = Vec::new();
    // The open table entry (its id), and the leaf element whose text is being read.
    let mut entry: Option<(String, String)> = None;
    let mut leaf: Option<(String, Option<String>)> = None;
    let mut text = String::new();
    let mut saw_root = false;
    loop {
        let event = xml.next(&mut buf)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = local(e);
                let empty = matches!(event, Event::Empty(_));
                if name == "oval_definitions" {
                    saw_root = true;
                    continue;
                }
                if name == "definitions" && !empty {
                    xml.skip(e)?;
                    continue;
                }
                let id = xml.attr(e, "id")?;
                match (name.as_str(), id) {
                    ("dpkginfo_test", Some(id)) => {
                        tables.tests.insert(
                            id.clone(),
                            Test {
                                object: String::new(),
                                state: None,
                            },
                        );
                        entry = Some((name.clone(), id));
                    }
                    ("dpkginfo_object" | "dpkginfo_state" | "constant_variable", Some(id)) => {
                        entry = Some((name.clone(), id));
                    }
                    _ => {
                        let Some((kind, id)) = &entry else { continue };
                        match (kind.as_str(), name.as_str()) {
                            ("dpkginfo_test", "object") => {
                                if let (Some(test), Some(r)) =
                                    (tables.tests.get_mut(id), xml.attr(e, "object_ref")?)
                                {
                                    test.object = r;
                                }
                            }
                            ("dpkginfo_test", "state") => {
                                if let Some(test) = tables.tests.get_mut(id) {
                                    test.state = xml.attr(e, "state_ref")?;
                                }
                            }
                            ("dpkginfo_object", "name") => {
                                if let Some(var) = xml.attr(e, "var_ref")? {
                                    tables.objects.insert(id.clone(), Names::Variable(var));
                                } else if !empty {
                                    leaf = Some((name.clone(), None));
                                    text.clear();
                                }
                            }
                            ("dpkginfo_state", "evr" | "arch") | ("constant_variable", "value")
                                if !empty =>
                            {
                                leaf = Some((name.clone(), xml.attr(e, "operation")?));
                                text.clear();
                            }
                            _ => {}
                        }
                    }
                }
                if empty && matches!(&entry, Some((kind, _)) if *kind == name) {
                    entry = None;
                }
            }
            Event::Text(_) | Event::CData(_) if leaf.is_some() => {
                text.push_str(&xml.text(&event)?.unwrap_or_default());
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let (Some((leaf_name, operation)), Some((kind, id))) = (&leaf, &entry)
                    && *leaf_name == name
                {
                    let value = text.trim().to_string();
                    match (kind.as_str(), name.as_str()) {
                        ("dpkginfo_object", "name") => {
                            tables.objects.insert(id.clone(), Names::Literal(value));
                        }
                        // Only an upper bound is a fixed version.
                        ("dpkginfo_state", "evr")
                            if operation.as_deref().is_none_or(|op| op == "less than") =>
                        {
                            tables.states.entry(id.clone()).or_default().evr = Some(value);
                        }
                        ("dpkginfo_state", "arch") => {
                            let op = operation.clone().unwrap_or_else(|| "equals".into());
                            tables.states.entry(id.clone()).or_default().arch = Some((value, op));
                        }
                        ("constant_variable", "value") => {
                            tables.variables.entry(id.clone()).or_default().push(value);
                        }
                        _ => {}
                    }
                    leaf = None;
                    continue;
                }
                if matches!(&entry, Some((kind, _)) if *kind == name) {
                    // A state without an EVR still exists (e.g. arch only).
                    if let Some((kind, id)) = entry.take()
                        && kind == "dpkginfo_state"
                    {
                        tables.states.entry(id).or_default();
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(xml.error("no <oval_definitions> element: not an OVAL file"));
    }
    Ok(tables)
}

/// One definition's metadata and the tests its criteria name.
#[derive(Default)]
struct Definition {
    title: String,
    description: String,
    severity: String,
    public_date: String,
    issued: String,
    links: Vec<String>,
    tests: Vec<String>,
}

/// Pass 2: definitions, resolved through `tables`, into `out`.
pub fn emit_definitions(
    input: impl BufRead,
    what: &str,
    tables: &Tables,
    distribution: &Distribution,
    out: &mut Batcher<'_>,
) -> Result<(), UpdaterError> {
    let mut xml = Xml::new(input, what);
    let mut buf = Vec::new();
    let mut definition: Option<Definition> = None;
    let mut leaf: Option<(String, Option<String>)> = None;
    let mut text = String::new();
    loop {
        let event = xml.next(&mut buf)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = local(e);
                let empty = matches!(event, Event::Empty(_));
                if !empty && matches!(name.as_str(), "tests" | "objects" | "states" | "variables") {
                    xml.skip(e)?;
                    continue;
                }
                if name == "definition" {
                    definition = (!empty).then(Definition::default);
                    continue;
                }
                let Some(def) = definition.as_mut() else {
                    continue;
                };
                match name.as_str() {
                    "criterion" => def.tests.extend(xml.attr(e, "test_ref")?),
                    "reference" => def.links.extend(xml.attr(e, "ref_url")?),
                    "issued" => def.issued = xml.attr(e, "date")?.unwrap_or_default(),
                    "cve" => {
                        def.links.extend(xml.attr(e, "href")?);
                    }
                    "title" | "description" | "severity" | "public_date" | "ref" | "bug"
                        if !empty =>
                    {
                        leaf = Some((name, None));
                        text.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(_) | Event::CData(_) if leaf.is_some() => {
                text.push_str(&xml.text(&event)?.unwrap_or_default());
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let (Some((leaf_name, _)), Some(def)) = (&leaf, definition.as_mut())
                    && *leaf_name == name
                {
                    let value = text.trim().to_string();
                    match name.as_str() {
                        "title" => def.title = value,
                        "description" => def.description = value,
                        "severity" => def.severity = value,
                        "public_date" => def.public_date = value,
                        _ => def.links.push(value), // ref, bug
                    }
                    leaf = None;
                } else if name == "definition"
                    && let Some(def) = definition.take()
                {
                    emit(&def, tables, distribution, out)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.flush()?;
    Ok(())
}

fn emit(
    def: &Definition,
    tables: &Tables,
    distribution: &Distribution,
    out: &mut Batcher<'_>,
) -> Result<(), UpdaterError> {
    let links = unique_links(&def.links);
    for test in def.tests.iter().filter_map(|id| tables.tests.get(id)) {
        let names: &[String] = match tables.objects.get(&test.object) {
            Some(Names::Literal(name)) => std::slice::from_ref(name),
            Some(Names::Variable(var)) => tables.variables.get(var).map_or(&[], Vec::as_slice),
            None => &[],
        };
        let state = test.state.as_ref().and_then(|id| tables.states.get(id));
        let fixed = state.and_then(|s| s.evr.clone()).unwrap_or_default();
        if !fixed.is_empty() && !plausible_dpkg_version(&fixed) {
            tracing::debug!(definition = %def.title, fixed, "skipping an invalid fixed version");
            continue;
        }
        let (arch, arch_op) = state
            .and_then(|s| s.arch.clone())
            .map(|(arch, op)| (arch, arch_op(&op)))
            .unwrap_or_default();
        for name in names {
            out.push(Vulnerability {
                name: def.title.clone(),
                description: def.description.clone(),
                issued: issued(def),
                links: links.clone(),
                severity: String::new(),
                normalized_severity: normalized_severity(&def.severity).into(),
                package: Some(binary_package(name, &arch)),
                distribution: Some(distribution.clone()),
                fixed_in_version: fixed.clone(),
                arch_op: arch_op.clone(),
                ..Vulnerability::default()
            })?;
        }
    }
    Ok(())
}

fn unique_links(links: &[String]) -> String {
    let mut seen = Vec::<&str>::new();
    for link in links.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if !seen.contains(&link) {
            seen.push(link);
        }
    }
    seen.join(" ")
}

/// `<issued date>` when given, else the advisory's `public_date`
/// (`2017-01-31 22:59:00 UTC`), as RFC 3339.
fn issued(def: &Definition) -> String {
    let text = if def.issued.is_empty() {
        &def.public_date
    } else {
        &def.issued
    };
    let text = text.trim().trim_end_matches(" UTC");
    match text.split_once(' ') {
        Some((date, time)) if date.len() == 10 => format!("{date}T{time}Z"),
        None if text.len() == 10 => format!("{text}T00:00:00Z"),
        _ => zero_time(),
    }
}

/// Ubuntu's priorities; `Untriaged` and anything else is unknown.
pub fn normalized_severity(severity: &str) -> &'static str {
    match severity.trim().to_ascii_lowercase().as_str() {
        "negligible" => "Negligible",
        "low" => "Low",
        "medium" => "Medium",
        "high" => "High",
        "critical" => "Critical",
        _ => "Unknown",
    }
}

/// OVAL operations as Clair's `arch_op` words.
fn arch_op(operation: &str) -> String {
    match operation {
        "not equal" => "not equals".into(),
        "pattern match" => "pattern match".into(),
        _ => "equals".into(),
    }
}

fn binary_package(name: &str, arch: &str) -> Package {
    Package {
        id: String::new(),
        name: name.to_string(),
        version: String::new(),
        kind: "binary".into(),
        source: None,
        normalized_version: String::new(),
        module: String::new(),
        arch: arch.to_string(),
        cpe: String::new(),
    }
}

/// `[epoch:]upstream[-revision]`: numeric epoch, upstream starting with a digit, only
/// the characters dpkg allows. The matcher fails on versions it cannot parse, so
/// such records are dropped here.
pub fn plausible_dpkg_version(version: &str) -> bool {
    let (epoch, rest) = match version.split_once(':') {
        Some((epoch, rest)) => (Some(epoch), rest),
        None => (None, version),
    };
    let epoch_ok = epoch.is_none_or(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()));
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
    epoch_ok && rest.starts_with(|c: char| c.is_ascii_digit()) && rest.chars().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_dates() {
        assert!(plausible_dpkg_version("1.14-2"));
        assert!(plausible_dpkg_version("0:0.2.8.9-1ubuntu1"));
        assert!(!plausible_dpkg_version("a1.0"));
        assert!(!plausible_dpkg_version("x:1.0"));
        let def = Definition {
            public_date: "2017-01-31 22:59:00 UTC".into(),
            ..Definition::default()
        };
        assert_eq!(issued(&def), "2017-01-31T22:59:00Z");
        assert_eq!(issued(&Definition::default()), zero_time());
        assert_eq!(normalized_severity("Untriaged"), "Unknown");
    }
}
