//! The verdict cache never serves a stale report: a new update operation, or the
//! deletion of one, changes the report exactly as an uncached matcher's, and a report
//! asked for twice at one generation is judged once.

mod common;

use std::sync::Arc;

use common::{bookworm, debian_matcher, report};
use scry_matcher::{MatcherService, Matchers, index_records};
use scry_model::{IndexReport, Package, UpdateKind, Vulnerability};
use scry_store::VulnStore;
use scry_store::testing::TestDb;

const UPDATER: &str = "debian/updater/bookworm";

/// An openssl (source) vulnerability in bookworm fixed in `fixed`.
fn openssl(cve: &str, fixed: &str) -> Vulnerability {
    Vulnerability {
        updater: UPDATER.into(),
        name: cve.into(),
        normalized_severity: "High".into(),
        package: Some(Package {
            name: "openssl".into(),
            kind: "source".into(),
            ..Package::default()
        }),
        distribution: Some(bookworm()),
        fixed_in_version: fixed.into(),
        ..Vulnerability::default()
    }
}

async fn update(store: &VulnStore, fingerprint: &str, vulns: &[Vulnerability]) -> String {
    let mut writer = store
        .begin_update(UPDATER, fingerprint, UpdateKind::Vulnerability, false)
        .await
        .unwrap();
    writer.add_vulnerabilities(vulns).await.unwrap();
    writer.commit().await.unwrap().reference
}

/// CVE names the report lists for the one package.
async fn found(service: &MatcherService, index: &IndexReport) -> Vec<String> {
    let report = service.report_for(index).await.unwrap();
    assert!(report.matchers.failed.is_empty(), "{:?}", report.matchers);
    let mut names: Vec<String> = report
        .package_vulnerabilities
        .get("10")
        .into_iter()
        .flatten()
        .map(|id| report.vulnerabilities[id].name.clone())
        .collect();
    names.sort();
    names
}

async fn stale_verdicts_are_never_served(db: TestDb) {
    let index_store = db.store().await;
    let vulns = db.vuln_store().await;
    let index = report();
    index_store
        .put_index_report(&index.manifest_hash, &[], &index, "state")
        .await
        .unwrap();
    let matchers = Matchers::new(vec![debian_matcher()]);
    let cached = MatcherService::new(
        vulns.clone(),
        matchers.clone(),
        Arc::new(index_store.clone()),
        false,
    );
    let uncached = MatcherService::new(
        vulns.clone(),
        matchers.clone(),
        Arc::new(index_store),
        false,
    )
    .with_verdict_cache(0);
    let cached_records = |service: &MatcherService, generation| {
        matchers
            .plan(
                service.verdict_cache().unwrap(),
                generation,
                &index_records(&index),
            )
            .cached()
    };

    // Installed 3.0.11-1~deb12u2: vulnerable to a fix in 3.0.13, not to one in 3.0.9.
    let first = update(&vulns, "1", &[openssl("CVE-2099-0001", "3.0.13-1~deb12u1")]).await;
    let generation_one = vulns.generation().await.unwrap();
    assert_eq!(cached_records(&cached, generation_one), 0);
    assert_eq!(found(&cached, &index).await, ["CVE-2099-0001"]);
    assert_eq!(
        cached_records(&cached, generation_one),
        1,
        "the verdict is kept"
    );
    assert_eq!(found(&cached, &index).await, ["CVE-2099-0001"]);

    let second = update(
        &vulns,
        "2",
        &[
            openssl("CVE-2099-0001", "3.0.9-1"),
            openssl("CVE-2099-0002", "3.0.14-1~deb12u1"),
        ],
    )
    .await;
    let generation_two = vulns.generation().await.unwrap();
    assert_ne!(generation_one, generation_two);
    assert_eq!(
        cached_records(&cached, generation_two),
        0,
        "a new update misses"
    );
    assert_eq!(found(&cached, &index).await, ["CVE-2099-0002"]);
    assert_eq!(found(&uncached, &index).await, ["CVE-2099-0002"]);

    // Deleting the newest operation brings the first back, and its verdicts with it.
    vulns.delete_update_operations(&[second]).await.unwrap();
    assert_eq!(vulns.generation().await.unwrap(), generation_one);
    assert_eq!(found(&cached, &index).await, ["CVE-2099-0001"]);
    assert_eq!(found(&uncached, &index).await, ["CVE-2099-0001"]);

    vulns.delete_update_operations(&[first]).await.unwrap();
    assert_ne!(vulns.generation().await.unwrap(), generation_one);
    assert!(found(&cached, &index).await.is_empty());
}

#[tokio::test]
async fn stale_verdicts_are_never_served_sqlite() {
    stale_verdicts_are_never_served(TestDb::sqlite()).await;
}

#[tokio::test]
async fn stale_verdicts_are_never_served_postgres() {
    stale_verdicts_are_never_served(TestDb::postgres().await).await;
}
