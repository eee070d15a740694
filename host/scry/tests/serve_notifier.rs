//! The notifier end to end on a real `scry serve`: the bookworm image indexed, a Debian
//! feed imported, then a second operation that withdraws one vulnerability affecting
//! the image and adds another; the notification set is delivered (webhook with Quay's
//! JWT check, AMQP, STOMP), paged through and deleted. Delivery is at least once:
//! a receiver that is down gets it once when it returns; a notifier killed
//! mid-delivery delivers after its restart.

mod common;
mod debian_feed;
mod feed_updates;
mod matcher_common;
mod notify_common;
mod serve_common;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use debian_feed::debian_feed;
use feed_updates::*;
use notify_common::*;
use scry_updaters::debian::tracker_json;
use serve_common::*;

/// Two airgap bundles of one Debian feed: before and after the change.
struct Feeds {
    v1: PathBuf,
    v2: PathBuf,
    withdrawn: String,
    added: String,
    _dir: tempfile::TempDir,
}

async fn feeds() -> Feeds {
    let packages = common::tsv(&common::fixtures().join("bookworm/expected-dpkg.tsv"));
    let (entries, expected) = debian_feed(&packages);
    let (entries2, _, withdrawn, added) = second_feed(&entries, &expected);
    let feed = FeedServer::start(HashMap::from([
        (
            "/v1/json".to_string(),
            serde_json::to_vec(&tracker_json(&entries)).unwrap(),
        ),
        (
            "/v2/json".to_string(),
            serde_json::to_vec(&tracker_json(&entries2)).unwrap(),
        ),
    ]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    Feeds {
        v1: export_debian(&feed.url("/v1/json"), dir.path(), "v1"),
        v2: export_debian(&feed.url("/v2/json"), dir.path(), "v2"),
        withdrawn,
        added,
        _dir: dir,
    }
}

/// Sets the notifier has stored, as (id, notifications), from its log.
fn stored_sets(log: &str) -> Vec<(String, usize)> {
    let field = |line: &str, name: &str| {
        line.split(&format!(" {name}=")).nth(1).map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_matches('"')
                .to_string()
        })
    };
    log.lines()
        .filter(|line| line.contains("notification set stored"))
        .filter_map(|line| {
            Some((
                field(line, "notification_id")?,
                field(line, "notifications")?.parse().ok()?,
            ))
        })
        .collect()
}

async fn wait_for_sets(server: &Server, count: usize) -> Vec<(String, usize)> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let sets = stored_sets(&server.log());
        if sets.len() >= count {
            return sets;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the notifier stored fewer than {count} sets:\n{}",
        server.log()
    );
}

/// The first operation is processed before the image exists (an empty set), so the
/// only set with notifications is the second operation's. Returns its id.
async fn index_then_change(
    server: &Server,
    matcher: &Server,
    indexer: &Server,
    feeds: &Feeds,
) -> (String, String) {
    let config = matcher.dir.path().join("config.yaml");
    import_bundle(&feeds.v1, &config);
    let first = wait_for_sets(server, 1).await;
    assert_eq!(first[0].1, 0, "nothing is indexed yet");
    let layers = LayerServer::start(&common::fixtures().join("bookworm/oci")).await;
    let manifest = index_bookworm(indexer, &layers).await;
    import_bundle(&feeds.v2, &config);
    let sets = wait_for_sets(server, 2).await;
    assert_eq!(sets.len(), 2, "{sets:?}");
    assert!(sets[1].1 > 0, "the change affects the image: {sets:?}");
    (manifest, sets[1].0.clone())
}

fn changed(manifest: &str, feeds: &Feeds) -> BTreeSet<(String, String, String)> {
    BTreeSet::from([
        (
            manifest.to_string(),
            "added".to_string(),
            feeds.added.clone(),
        ),
        (
            manifest.to_string(),
            "removed".to_string(),
            feeds.withdrawn.clone(),
        ),
    ])
}

async fn delete(server: &Server, id: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .delete(format!("{}/notifier/api/v1/notification/{id}", server.api))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_delivery_paging_and_deletion() {
    let feeds = feeds().await;
    let hook = Hook::start(0).await;
    let rest = notifier_config(&webhook_block(&hook.url), false, "");
    let server =
        Server::start_config("combo", None, "", &format!("{rest}updaters:\n  sets: []\n")).await;
    let (manifest, id) = index_then_change(&server, &server, &server, &feeds).await;

    hook.wait_for(
        "the set",
        |got| got.iter().any(|r| r.notification_id == id),
        &server,
    )
    .await;
    let received = hook.received();
    assert_eq!(
        received.len(),
        1,
        "only the set with notifications is delivered: {received:?}"
    );
    let post = &received[0];
    assert_eq!(post.callback, format!("{CALLBACK}/{id}"));
    assert_eq!(post.token_problem, None, "Quay would refuse the token");
    assert!(post.user_agent.starts_with("scry/"), "{}", post.user_agent);

    // Paged one at a time, and all at once: the same set, exactly the change.
    let (one_by_one, last) = read_set(&server, &id, 1).await;
    assert_eq!(one_by_one, changed(&manifest, &feeds));
    assert_eq!(last["scry_delivery"]["status"], "delivered");
    assert_eq!(last["scry_delivery"]["attempts"], 1);
    let (whole, _) = read_set(&server, &id, 500).await;
    assert_eq!(whole, one_by_one);

    assert_eq!(delete(&server, &id).await, 200);
    assert_eq!(delete(&server, &id).await, 200, "deleting again is fine");
    let (after, page) = read_set(&server, &id, 500).await;
    assert_eq!(after, whole, "readable until GC, as in Clair");
    assert_eq!(page["scry_delivery"]["status"], "deleted");
    assert_eq!(
        delete(&server, "6f1c2b9e-0000-4000-8000-000000000000").await,
        404
    );
    let bad = reqwest::Client::new()
        .get(format!(
            "{}/notifier/api/v1/notification/{id}?next=-1",
            server.api
        ))
        .bearer_auth(quay_token())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let unknown = read_set(&server, "6f1c2b9e-0000-4000-8000-000000000000", 10).await;
    assert!(
        unknown.0.is_empty(),
        "an unknown id is an empty page, as in Clair"
    );
}

async fn metric(server: &Server, line_start: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", server.introspection))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|line| line.starts_with(line_start))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_was_down_gets_the_set_once() {
    let feeds = feeds().await;
    let port = free_port();
    let target = format!("http://127.0.0.1:{port}/secscan/notification");
    let rest = notifier_config(&webhook_block(&target), false, "");
    let server =
        Server::start_config("combo", None, "", &format!("{rest}updaters:\n  sets: []\n")).await;
    let (manifest, id) = index_then_change(&server, &server, &server, &feeds).await;

    // Down for several delivery intervals: failures are counted and shown.
    let failures = r#"scry_notifier_deliveries_total{mechanism="webhook",outcome="failure"}"#;
    let started = Instant::now();
    while metric(&server, failures).await < 3.0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, page) = read_set(&server, &id, 500).await;
    assert_eq!(page["scry_delivery"]["status"], "delivery_failed");
    assert!(page["scry_delivery"]["attempts"].as_i64().unwrap() >= 3);
    let error = page["scry_delivery"]["last_error"].as_str().unwrap();
    assert!(
        error.contains(&target),
        "the error names the target: {error}"
    );

    let hook = Hook::start(port).await;
    hook.wait_for(
        "the set",
        |got| got.iter().any(|r| r.notification_id == id),
        &server,
    )
    .await;
    // Several more intervals: no repeat once it was accepted.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let received = hook.received();
    assert_eq!(
        received.len(),
        1,
        "exactly once after it returns: {received:?}"
    );
    let (notifications, page) = read_set(&server, &id, 500).await;
    assert_eq!(notifications, changed(&manifest, &feeds));
    assert_eq!(page["scry_delivery"]["status"], "delivered");
    assert!(page["scry_delivery"].get("last_error").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notifier_killed_mid_delivery_delivers_after_restart() {
    let feeds = feeds().await;
    let hook = Hook::start(0).await;
    // The receiver holds the first delivery open long enough to kill the sender.
    hook.stall_next(Duration::from_secs(30));
    let rest = notifier_config(&webhook_block(&hook.url), false, "");
    let mut server =
        Server::start_config("combo", None, "", &format!("{rest}updaters:\n  sets: []\n")).await;
    let (manifest, id) = index_then_change(&server, &server, &server, &feeds).await;
    hook.wait_for("the first attempt", |got| !got.is_empty(), &server)
        .await;

    server.restart().await;
    hook.wait_for("the second attempt", |got| got.len() >= 2, &server)
        .await;
    let received = hook.received();
    assert!(
        received.iter().all(|r| r.notification_id == id),
        "{received:?}"
    );
    let started = Instant::now();
    loop {
        let (notifications, page) = read_set(&server, &id, 500).await;
        if page["scry_delivery"]["status"] == "delivered" {
            assert_eq!(notifications, changed(&manifest, &feeds));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{page}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Where a split-mode notifier delivers: each mechanism, callback style.
enum Receiver {
    Webhook(Hook),
    Amqp(Box<AmqpQueue>),
    Stomp(StompQueue),
}

impl Receiver {
    async fn start(mechanism: &str) -> Receiver {
        match mechanism {
            "webhook" => Receiver::Webhook(Hook::start(0).await),
            "amqp" => Receiver::Amqp(Box::new(AmqpQueue::start().await)),
            _ => Receiver::Stomp(StompQueue::start().await),
        }
    }

    fn block(&self) -> String {
        match self {
            Receiver::Webhook(hook) => webhook_block(&hook.url),
            Receiver::Amqp(queue) => queue.block(),
            Receiver::Stomp(queue) => queue.block(false),
        }
    }

    /// The callback that arrives: (notification id, callback URL).
    async fn callback(&mut self, server: &Server) -> (String, String) {
        let body = match self {
            Receiver::Webhook(hook) => {
                hook.wait_for("a callback", |got| !got.is_empty(), server)
                    .await;
                let got = &hook.received()[0];
                assert_eq!(got.token_problem, None);
                return (got.notification_id.clone(), got.callback.clone());
            }
            Receiver::Amqp(queue) => queue.next(server).await.delivery.data,
            Receiver::Stomp(queue) => queue.next(server).await,
        };
        let callback: serde_json::Value = serde_json::from_slice(&body).unwrap();
        (
            callback["notification_id"].as_str().unwrap().to_string(),
            callback["callback"].as_str().unwrap().to_string(),
        )
    }

    async fn done(self) {
        if let Receiver::Stomp(queue) = self {
            queue.done().await;
        }
    }
}

/// Three processes on one PostgreSQL, as Quay deploys Clair: the notifier reads the
/// matcher's operations and the indexer's affected manifests over HTTP.
async fn split_mode_on_postgresql(mechanism: &str) {
    let feeds = feeds().await;
    let db = PgDatabase::create(&format!("notifier_split_{mechanism}"));
    let pg = db.connstring();
    let none = "updaters:\n  sets: []\n";
    let indexer = Server::start_config("indexer", Some(&pg), "", none).await;
    let matcher = Server::start_config(
        "matcher",
        Some(&pg),
        "",
        &format!(
            "matcher:\n  connstring: \"{pg}\"\n  migrations: true\n  period: 1h\n  indexer_addr: {}\n{none}",
            indexer.api
        ),
    )
    .await;
    let mut receiver = Receiver::start(mechanism).await;
    let extra = format!(
        "  connstring: \"{pg}\"\n  migrations: true\n  indexer_addr: {}\n  matcher_addr: {}\n",
        indexer.api, matcher.api
    );
    let notifier = Server::start_config(
        "notifier",
        Some(&pg),
        "",
        &format!(
            "{}{none}",
            notifier_config(&receiver.block(), false, &extra)
        ),
    )
    .await;
    let (manifest, id) = index_then_change(&notifier, &matcher, &indexer, &feeds).await;
    let (got, callback) = receiver.callback(&notifier).await;
    assert_eq!(
        got, id,
        "{mechanism}: the set with notifications comes first"
    );
    assert_eq!(callback, format!("{CALLBACK}/{id}"));
    let (notifications, _) = read_set(&notifier, &id, 1).await;
    assert_eq!(notifications, changed(&manifest, &feeds));
    assert_eq!(delete(&notifier, &id).await, 200);
    // The indexer and matcher serve no notifier routes.
    assert_eq!(delete(&matcher, &id).await, 404);
    receiver.done().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn split_mode_webhook() {
    split_mode_on_postgresql("webhook").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn split_mode_amqp() {
    split_mode_on_postgresql("amqp").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn split_mode_stomp() {
    split_mode_on_postgresql("stomp").await;
}

/// The most severe of the change's two vulnerabilities, as summary mode keeps it.
fn summary_of(manifest: &str, feeds: &Feeds, read: &BTreeSet<(String, String, String)>) {
    assert_eq!(
        read.len(),
        1,
        "summary mode: one notification per manifest: {read:?}"
    );
    let (got_manifest, reason, name) = read.iter().next().unwrap();
    assert_eq!(got_manifest, manifest);
    assert_eq!(reason, "added", "the added pass comes first");
    assert!(name == &feeds.added || name == &feeds.withdrawn, "{name}");
}

#[tokio::test(flavor = "multi_thread")]
async fn amqp_delivery_to_a_rabbitmq_queue() {
    let feeds = feeds().await;
    let queue = AmqpQueue::start().await;
    let rest = notifier_config(&queue.block(), true, "");
    let server =
        Server::start_config("combo", None, "", &format!("{rest}updaters:\n  sets: []\n")).await;
    let (manifest, id) = index_then_change(&server, &server, &server, &feeds).await;

    let message = queue.next(&server).await;
    let callback: serde_json::Value = serde_json::from_slice(&message.delivery.data).unwrap();
    assert_eq!(callback["notification_id"], id.as_str());
    assert_eq!(callback["callback"], format!("{CALLBACK}/{id}"));
    assert_eq!(
        message
            .delivery
            .properties
            .content_type()
            .as_ref()
            .map(|s| s.as_str()),
        Some("application/json")
    );
    let (read, page) = read_set(&server, &id, 500).await;
    summary_of(&manifest, &feeds, &read);
    assert_eq!(page["scry_delivery"]["status"], "delivered");
    assert_eq!(delete(&server, &id).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn stomp_direct_delivery_to_a_subscription() {
    let feeds = feeds().await;
    let mut queue = StompQueue::start().await;
    let rest = notifier_config(&queue.block(true), false, "");
    let server =
        Server::start_config("combo", None, "", &format!("{rest}updaters:\n  sets: []\n")).await;
    let (manifest, id) = index_then_change(&server, &server, &server, &feeds).await;

    // Direct: the notifications themselves, `rollup` (1) per message.
    let mut received = BTreeSet::new();
    while received.len() < 2 {
        let batch: Vec<serde_json::Value> =
            serde_json::from_slice(&queue.next(&server).await).unwrap();
        assert_eq!(batch.len(), 1);
        for n in batch {
            received.insert((
                n["manifest"].as_str().unwrap().to_string(),
                n["reason"].as_str().unwrap().to_string(),
                n["vulnerability"]["name"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert_eq!(received, changed(&manifest, &feeds));
    // A direct delivery consumes the set; it stays readable until GC.
    let started = Instant::now();
    loop {
        let (_, page) = read_set(&server, &id, 500).await;
        if page["scry_delivery"]["status"] == "deleted" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    queue.done().await;
}
