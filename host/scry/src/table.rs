//! The human-readable form of an index report.

use std::fmt::Write;

use scry_model::IndexReport;

pub fn render(report: &IndexReport) -> String {
    let mut out = String::new();
    if !report.success {
        let _ = writeln!(out, "index failed: {}", report.err);
        return out;
    }
    for dist in report.distributions.values() {
        let name = if dist.pretty_name.is_empty() {
            &dist.name
        } else {
            &dist.pretty_name
        };
        let _ = writeln!(out, "Distribution: {name}");
    }
    let mut rows: Vec<[String; 5]> = report
        .packages
        .values()
        .map(|package| {
            let db = report
                .environments
                .get(&package.id)
                .and_then(|envs| envs.first())
                .map(|env| env.package_db.clone())
                .unwrap_or_default();
            let source = package
                .source
                .as_ref()
                .map(|s| format!("{} {}", s.name, s.version))
                .unwrap_or_default();
            [
                package.name.clone(),
                package.version.clone(),
                source,
                package.arch.clone(),
                db,
            ]
        })
        .collect();
    rows.sort();
    let header = ["NAME", "VERSION", "SOURCE", "ARCH", "FOUND IN"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    let _ = writeln!(out, "{} packages", rows.len());
    out
}
