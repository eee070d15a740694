//! Loading Clair-style configuration files: the spec's examples, strict keys, formats,
//! drop-ins, defaults and validation.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use scry_config::{
    Config, ConfigError, Database, Delivery, Format, HostPort, Invocation, LogLevel, Mode,
    PgConnString,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn yaml(text: &str) -> Result<Config, ConfigError> {
    Config::from_text(text, Format::Yaml)
}

fn key_of(result: Result<impl std::fmt::Debug, ConfigError>) -> String {
    let err = result.expect_err("expected an error");
    err.key()
        .unwrap_or_else(|| panic!("error names no key: {err}"))
        .to_owned()
}

fn keywords(pairs: &[(&str, &str)]) -> Database {
    Database::Postgres(PgConnString::Keywords(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    ))
}

#[test]
fn the_spec_combo_example_parses_and_validates() {
    let config = Config::from_file(&data("combo.yaml")).unwrap();
    assert_eq!(config.http_listen_addr, HostPort::new("", 6060));
    assert_eq!(config.introspection_addr, HostPort::new("", 8089));
    assert_eq!(config.log_level, LogLevel::Info);
    assert!(config.indexer.migrations && config.matcher.migrations && config.notifier.migrations);
    let db = keywords(&[("host", "db"), ("user", "clair"), ("dbname", "clair")]);
    assert_eq!(config.indexer_database().unwrap(), db);
    assert_eq!(config.matcher_database().unwrap(), db);
    assert_eq!(config.notifier_database().unwrap(), db);
    let Some(Delivery::Webhook(webhook)) = config.notifier.delivery() else {
        panic!("webhook expected");
    };
    assert_eq!(webhook.target, "http://quay/secscan/notification");
    let psk = config.auth.psk.as_ref().unwrap();
    assert_eq!(psk.key, "c2VjcmV0");
    assert_eq!(psk.iss, ["quay", "clairctl"]);
    assert_eq!(
        config.psk().unwrap().unwrap().issuers(),
        ["quay", "clair-intraservice", "clairctl"]
    );
    let lints = config.validate(Mode::Combo).unwrap();
    assert!(lints.is_empty(), "{lints:?}");
}

#[test]
fn a_split_deployment_config_parses_for_every_mode() {
    let config = Config::from_file(&data("split.yaml")).unwrap();
    for mode in Mode::ALL {
        config
            .validate(mode)
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
    }
    assert_eq!(config.log_level, LogLevel::Debug);
    assert_eq!(config.http_listen_addr.bind_address(), "0.0.0.0:6060");

    // libpq keyword form, with a quoted value.
    let indexer_db = config.indexer_database().unwrap();
    assert_eq!(
        indexer_db,
        keywords(&[
            ("host", "clair-db"),
            ("port", "5432"),
            ("dbname", "clair"),
            ("user", "clair"),
            ("password", "s3cr3t pass"),
            ("sslmode", "disable"),
        ])
    );
    let Database::Postgres(pg) = indexer_db else {
        unreachable!()
    };
    assert_eq!(
        pg.to_url().unwrap(),
        "postgresql://clair:s3cr3t%20pass@clair-db:5432/clair?sslmode=disable"
    );
    // URL forms, both schemes.
    assert_eq!(
        config.matcher_database().unwrap(),
        Database::Postgres(PgConnString::Url(
            "postgresql://clair:s3cr3t@clair-db:5432/clair?sslmode=disable".into()
        ))
    );
    assert!(matches!(
        config.notifier_database().unwrap(),
        Database::Postgres(PgConnString::Url(url)) if url.starts_with("postgres://")
    ));

    assert_eq!(config.indexer.effective_layer_scan_concurrency(), 5);
    assert_eq!(
        config.indexer.effective_index_report_request_concurrency(),
        Some(8)
    );
    assert_eq!(
        config.matcher.indexer_addr.as_deref(),
        Some("http://clair-indexer:6060/")
    );
    assert_eq!(config.matcher.effective_period(), Duration::from_secs(5400));
    assert_eq!(
        config.matcher.effective_cache_age(),
        Duration::from_secs(5400)
    );
    assert_eq!(config.matcher.effective_update_retention(), Some(2));
    assert_eq!(
        config.notifier.effective_poll_interval(),
        Duration::from_secs(300)
    );
    assert_eq!(
        config.notifier.effective_delivery_interval(),
        Duration::from_secs(60)
    );
    assert_eq!(
        config.effective_updater_sets(),
        Some(&["alpine", "debian", "osv", "ubuntu"].map(String::from)[..])
    );

    // Free-form component blocks are kept as written, nulls included.
    assert_eq!(
        config.matchers.config["rhel"],
        serde_json::json!({"ignore_unpatched": true})
    );
    assert_eq!(
        config.updaters.config["osv"],
        serde_json::json!({"allowlist": ["pypi", "go"], "timeout": null})
    );
    assert!(
        config
            .indexer
            .scanner
            .for_scanner("rhel-repository-scanner")
            .is_some()
    );

    let Some(Delivery::Webhook(webhook)) = config.notifier.delivery() else {
        panic!("webhook expected");
    };
    assert_eq!(webhook.headers["X-Extra"], ["one", "two"]);
    assert_eq!(
        webhook.callback_url(),
        "http://clair-notifier:6060/notifier/api/v1/notification/"
    );
    let otlp = config.trace.otlp.as_ref().unwrap().http.as_ref().unwrap();
    assert_eq!(otlp.timeout, Some(Duration::from_secs(5)));
    assert_eq!(config.metrics.prometheus.effective_endpoint(), "/metrics");

    // max_conn_pool is accepted but deprecated.
    let lints = config.validate(Mode::Matcher).unwrap();
    assert!(
        lints.iter().any(|l| l.key == "matcher.max_conn_pool"),
        "{lints:?}"
    );
}

#[test]
fn json_works_the_same_as_yaml() {
    let from_json = Config::from_file(&data("combo.json")).unwrap();
    let mut from_yaml = Config::from_file(&data("combo.yaml")).unwrap();
    from_yaml.matcher.period = Some(Duration::from_secs(1800));
    assert_eq!(from_json, from_yaml);
    from_json.validate(Mode::Combo).unwrap();

    let text = std::fs::read_to_string(data("combo.json")).unwrap();
    assert_eq!(Config::from_text(&text, Format::Json).unwrap(), from_json);
}

#[test]
fn the_format_is_sniffed_without_a_known_extension() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("clair-config");
    std::fs::write(&json, r#"{"indexer": {"airgap": true}}"#).unwrap();
    assert!(Config::from_file(&json).unwrap().indexer.airgap);
    let yaml = dir.path().join("clair.conf");
    std::fs::write(&yaml, "indexer:\n  airgap: true\n").unwrap();
    assert!(Config::from_file(&yaml).unwrap().indexer.airgap);
    let yml = dir.path().join("config.yml");
    std::fs::write(&yml, "log_level: warn\n").unwrap();
    assert_eq!(Config::from_file(&yml).unwrap().log_level, LogLevel::Warn);
}

#[test]
fn a_typo_is_an_error_naming_the_key_path() {
    let err = yaml("indexer:\n  conn_string: host=db\n").unwrap_err();
    assert_eq!(err.key(), Some("indexer.conn_string"));
    assert_eq!(
        err.to_string(),
        "unknown key indexer.conn_string (did you mean indexer.connstring?)"
    );

    let err = yaml("http_listen_adr: ':6060'\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown key http_listen_adr (did you mean http_listen_addr?)"
    );
    assert_eq!(
        key_of(yaml("notifier: {webhook: {taget: x}}")),
        "notifier.webhook.taget"
    );
    assert_eq!(
        key_of(yaml("auth: {psk: {key: a, issuer: [x]}}")),
        "auth.psk.issuer"
    );
    assert_eq!(
        key_of(yaml("scry: {limits: {layer: {max_files: 3}}}")),
        "scry.limits.layer.max_files"
    );
    assert_eq!(
        key_of(yaml("indexer: {scanner: {packages: {}}}")),
        "indexer.scanner.packages"
    );
    // Keys Clair no longer has are rejected too (config.yaml.sample's updater_sets).
    assert_eq!(
        key_of(yaml("matcher: {updater_sets: [debian]}")),
        "matcher.updater_sets"
    );
    // A top-level Scry key outside `scry` is unknown.
    let err = yaml("data_dir: /var/lib/scry").unwrap_err();
    assert_eq!(err.to_string(), "unknown key data_dir");

    // In a file, the file is named as well.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, "matcher:\n  indexer_adr: http://x/\n").unwrap();
    let err = Config::from_file(&path).unwrap_err();
    assert_eq!(err.key(), Some("matcher.indexer_adr"));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: unknown key matcher.indexer_adr (did you mean matcher.indexer_addr?)",
            path.display()
        )
    );
}

#[test]
fn free_form_component_blocks_accept_any_keys() {
    let config = yaml(
        "matchers: {config: {anything: {goes: [1, 2]}}}\n\
         updaters: {config: {rhel: {whatever: true}}}\n\
         indexer: {scanner: {dist: {custom: {x: y}}}}\n",
    )
    .unwrap();
    assert_eq!(config.matchers.config["anything"]["goes"][1], 2);
    assert_eq!(config.updaters.config["rhel"]["whatever"], true);
    assert_eq!(config.indexer.scanner.dist["custom"]["x"], "y");
}

#[test]
fn wrong_types_name_the_key() {
    assert_eq!(
        key_of(yaml("indexer: {layer_scan_concurrency: ten}")),
        "indexer.layer_scan_concurrency"
    );
    assert_eq!(
        key_of(yaml("indexer: {migrations: yes}")),
        "indexer.migrations"
    );
    assert_eq!(key_of(yaml("matchers: {names: debian}")), "matchers.names");
    assert_eq!(
        key_of(yaml("notifier: {amqp: {uris: [1, {}]}}")),
        "notifier.amqp.uris[0]"
    );
    assert_eq!(key_of(yaml("log_level: verbose")), "log_level");
    assert_eq!(key_of(yaml("http_listen_addr: '6060'")), "http_listen_addr");
    assert_eq!(
        key_of(yaml("introspection_addr: 'localhost:http'")),
        "introspection_addr"
    );
    assert_eq!(
        key_of(yaml("scry: {limits: {plugin: {memory: lots}}}")),
        "scry.limits.plugin.memory"
    );
    assert_eq!(key_of(yaml("- just\n- a list\n")), "(top level)");
}

#[test]
fn durations_are_go_duration_strings() {
    let config = yaml(
        "matcher: {period: 1h30m, cache_age: 45s}\n\
         notifier: {poll_interval: 5m, delivery_interval: '90s'}\n\
         scry: {limits: {plugin: {scan_deadline: 2m, load_deadline: 1.5s}}}\n",
    )
    .unwrap();
    assert_eq!(config.matcher.period, Some(Duration::from_secs(5400)));
    assert_eq!(config.matcher.cache_age, Some(Duration::from_secs(45)));
    assert_eq!(
        config.notifier.poll_interval,
        Some(Duration::from_secs(300))
    );
    assert_eq!(
        config.notifier.delivery_interval,
        Some(Duration::from_secs(90))
    );
    assert_eq!(
        config.scry.limits.plugin.scan_deadline,
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        config.scry.limits.plugin.load_deadline,
        Some(Duration::from_millis(1500))
    );

    // Bare numbers and unknown units are refused, naming the key.
    let err = yaml("matcher: {period: 3600}").unwrap_err();
    assert_eq!(err.key(), Some("matcher.period"));
    assert!(err.to_string().contains("duration string"), "{err}");
    let err = yaml("notifier: {poll_interval: 1d}").unwrap_err();
    assert_eq!(err.key(), Some("notifier.poll_interval"));
    assert!(err.to_string().contains("unknown unit \"d\""), "{err}");

    // Clair's floors: under a minute means the default.
    let config = yaml("matcher: {period: 30s}\nnotifier: {poll_interval: 10s}").unwrap();
    assert_eq!(
        config.matcher.effective_period(),
        Duration::from_secs(6 * 3600)
    );
    assert_eq!(
        config.notifier.effective_poll_interval(),
        Duration::from_secs(6 * 3600)
    );
    assert_eq!(
        config.notifier.effective_delivery_interval(),
        Duration::from_secs(3600)
    );
    let lints = config.validate(Mode::Combo).unwrap();
    assert!(lints.iter().any(|l| l.key == "matcher.period"), "{lints:?}");
}

#[test]
fn no_file_means_embedded_defaults() {
    let config = Config::load(None).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.http_listen_addr.to_string(), "127.0.0.1:6060");
    assert_eq!(config.introspection_addr.to_string(), "127.0.0.1:8089");
    assert_eq!(config.log_level, LogLevel::Info);
    assert!(config.auth.psk.is_none());
    assert!(config.psk().unwrap().is_none());
    assert_eq!(config.effective_updater_sets(), None);
    assert_eq!(config.indexer.effective_layer_scan_concurrency(), 10);
    assert_eq!(config.indexer.effective_scanlock_retry(), 1);
    assert_eq!(config.matcher.effective_update_retention(), Some(10));
    assert_eq!(
        config.matcher.effective_cache_age(),
        Duration::from_secs(6 * 3600)
    );
    assert!(config.metrics.serves_prometheus());

    // SQLite files in the data directory: $XDG_DATA_HOME/scry, else ~/.local/share/scry.
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    };
    let scry = &config.scry;
    assert_eq!(
        scry.resolved_data_dir_with(env(&[("XDG_DATA_HOME", "/xdg"), ("HOME", "/home/u")]))
            .unwrap(),
        PathBuf::from("/xdg/scry")
    );
    assert_eq!(
        scry.resolved_data_dir_with(env(&[("HOME", "/home/u")]))
            .unwrap(),
        PathBuf::from("/home/u/.local/share/scry")
    );
    assert_eq!(
        scry.resolved_data_dir_with(env(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/u")]))
            .unwrap(),
        PathBuf::from("/home/u/.local/share/scry")
    );
    assert_eq!(
        key_of(scry.resolved_data_dir_with(env(&[]))),
        "scry.data_dir"
    );
    assert_eq!(
        scry.resolved_cache_dir_with(env(&[("HOME", "/home/u")])),
        Some(PathBuf::from("/home/u/.cache/scry"))
    );

    let with_data_dir = yaml("scry: {data_dir: /var/lib/scry}").unwrap();
    assert_eq!(
        with_data_dir.indexer_database().unwrap(),
        Database::Sqlite(PathBuf::from("/var/lib/scry/indexer.db"))
    );
    assert_eq!(
        with_data_dir.matcher_database().unwrap(),
        Database::Sqlite(PathBuf::from("/var/lib/scry/matcher.db"))
    );
    // Loopback listeners: no warning about an open API.
    let mut defaults = Config::default();
    defaults.scry.data_dir = Some(PathBuf::from("/tmp/scry"));
    assert_eq!(defaults.validate(Mode::Combo).unwrap(), []);
}

#[test]
fn a_file_gets_clairs_defaults_for_what_it_leaves_out() {
    for text in [
        "",
        "{}",
        "indexer:\nmatcher: null\n",
        "http_listen_addr: ''\n",
    ] {
        let config = yaml(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(config.http_listen_addr.to_string(), ":6060", "{text:?}");
        assert_eq!(config.introspection_addr.to_string(), ":8089", "{text:?}");
        assert_eq!(config.indexer, Default::default());
    }
    let lints = yaml("scry: {data_dir: /tmp/x}")
        .unwrap()
        .validate(Mode::Combo)
        .unwrap();
    assert!(lints.iter().any(|l| l.key == "auth.psk"), "{lints:?}");
}

#[test]
fn scry_settings_live_under_scry() {
    let config = yaml(
        "
scry:
  data_dir: /var/lib/scry
  plugin_dir: /etc/scry/plugins
  cache_dir: /var/cache/scry
  limits:
    layer: {max_file_size: 1GiB, max_entries: 5000, inline_max: 65536, spool_dir: /spool}
    plugin: {memory: 256MiB, max_instances: 8}
",
    )
    .unwrap();
    let scry = &config.scry;
    assert_eq!(
        scry.plugin_dir.as_deref(),
        Some(Path::new("/etc/scry/plugins"))
    );
    assert_eq!(
        scry.resolved_cache_dir(),
        Some(PathBuf::from("/var/cache/scry"))
    );
    assert_eq!(scry.limits.layer.max_file_size.unwrap().bytes(), 1 << 30);
    assert_eq!(scry.limits.layer.max_entries, Some(5000));
    assert_eq!(scry.limits.layer.inline_max.unwrap().bytes(), 65536);
    assert_eq!(scry.limits.plugin.memory.unwrap().bytes(), 256 << 20);
    assert_eq!(scry.limits.plugin.max_instances, Some(8));
    config.validate(Mode::Combo).unwrap();

    let zero = yaml("scry: {data_dir: /x, limits: {layer: {max_entries: 0}}}").unwrap();
    assert_eq!(
        key_of(zero.validate(Mode::Combo)),
        "scry.limits.layer.max_entries"
    );
}

#[test]
fn validation_errors_name_the_key() {
    let check = |text: &str, mode: Mode| key_of(yaml(text).unwrap().validate(mode));
    let base = "scry: {data_dir: /tmp/scry}\n";

    assert_eq!(
        check(
            &format!("{base}auth: {{psk: {{key: 'not base64!', iss: [quay]}}}}"),
            Mode::Combo
        ),
        "auth.psk.key"
    );
    assert_eq!(
        check(
            &format!("{base}auth: {{psk: {{key: '', iss: [quay]}}}}"),
            Mode::Combo
        ),
        "auth.psk.key"
    );
    assert_eq!(
        check(
            &format!("{base}auth: {{keyserver: {{api: http://quay/keys}}}}"),
            Mode::Combo
        ),
        "auth.keyserver"
    );
    assert_eq!(
        check(
            &format!("{base}indexer: {{connstring: 'host=db user'}}"),
            Mode::Indexer
        ),
        "indexer.connstring"
    );
    assert_eq!(
        check(
            &format!("{base}matcher: {{connstring: 'mysql://db/clair'}}"),
            Mode::Indexer
        ),
        "matcher.connstring"
    );
    assert_eq!(check(base, Mode::Matcher), "matcher.indexer_addr");
    assert_eq!(
        check(
            &format!("{base}matcher: {{indexer_addr: 'clair-indexer:6060'}}"),
            Mode::Matcher
        ),
        "matcher.indexer_addr"
    );
    assert_eq!(check(base, Mode::Notifier), "notifier.indexer_addr");
    let addrs = "notifier: {indexer_addr: 'http://i:6060/', matcher_addr: 'http://m:6060/'";
    assert_eq!(
        check(&format!("{base}{addrs}}}"), Mode::Notifier),
        "notifier"
    );
    assert_eq!(
        check(
            &format!("{base}{addrs}, webhook: {{callback: 'http://n/'}}}}"),
            Mode::Notifier
        ),
        "notifier.webhook.target"
    );
    assert_eq!(
        check(
            &format!("{base}{addrs}, amqp: {{exchange: {{type: direct}}, uris: ['amqp://mq']}}}}"),
            Mode::Notifier
        ),
        "notifier.amqp.routing_key"
    );
    assert_eq!(
        check(
            &format!(
                "{base}{addrs}, amqp: {{exchange: {{type: direct}}, routing_key: k, uris: ['http://mq'], direct: true}}}}"
            ),
            Mode::Notifier
        ),
        "notifier.amqp.uris[0]"
    );
    assert_eq!(
        check(
            &format!("{base}{addrs}, stomp: {{uris: ['mq:61613', 'mq'], direct: true}}}}"),
            Mode::Notifier
        ),
        "notifier.stomp.uris[1]"
    );
    assert_eq!(
        check(&format!("{base}tls: {{cert: /c.pem}}"), Mode::Combo),
        "tls.key"
    );
    assert_eq!(
        check(&format!("{base}introspection_addr: ':6060'"), Mode::Combo),
        "introspection_addr"
    );
    assert_eq!(
        check(&format!("{base}trace: {{probability: 2}}"), Mode::Combo),
        "trace.probability"
    );
    assert_eq!(
        check(
            &format!("{base}metrics: {{prometheus: {{endpoint: metrics}}}}"),
            Mode::Combo
        ),
        "metrics.prometheus.endpoint"
    );
    assert_eq!(
        check(
            &format!("{base}trace: {{otlp: {{grpc: {{compression: brotli}}}}}}"),
            Mode::Combo
        ),
        "trace.otlp.grpc.compression"
    );

    // The same settings pass in a mode that does not use them.
    yaml(&format!("{base}{addrs}}}"))
        .unwrap()
        .validate(Mode::Indexer)
        .unwrap();
    yaml(base).unwrap().validate(Mode::Indexer).unwrap();
}

#[test]
fn drop_ins_patch_the_main_file_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("config.yaml");
    std::fs::write(&main, std::fs::read(data("combo.yaml")).unwrap()).unwrap();
    let drop_ins = dir.path().join("config.yaml.d");
    std::fs::create_dir(&drop_ins).unwrap();
    // Merge patch: change a value, remove a key with null, add a block.
    std::fs::write(
        drop_ins.join("10-merge.yaml"),
        "log_level: debug\nnotifier: {webhook: null}\nscry: {data_dir: /srv/scry}\n",
    )
    .unwrap();
    // JSON patch, written in YAML, applied after the merge.
    std::fs::write(
        drop_ins.join("20-ops.yaml-patch"),
        "- {op: replace, path: /log_level, value: warn}\n\
         - {op: add, path: /auth/psk/iss/-, value: scanner-bot}\n",
    )
    .unwrap();
    std::fs::write(drop_ins.join("30-ignored.txt"), "not: [valid").unwrap();
    std::fs::write(drop_ins.join("05-ignored.json"), "{broken").unwrap();

    let config = Config::from_file(&main).unwrap();
    assert_eq!(config.log_level, LogLevel::Warn);
    assert!(config.notifier.webhook.is_none());
    assert_eq!(
        config.scry.data_dir.as_deref(),
        Some(Path::new("/srv/scry"))
    );
    assert_eq!(
        config.auth.psk.as_ref().unwrap().iss,
        ["quay", "clairctl", "scanner-bot"]
    );

    // A bad key arriving through a drop-in is reported like any other.
    std::fs::write(
        drop_ins.join("40-typo.yaml"),
        "indexer: {layer_scan_concurency: 4}\n",
    )
    .unwrap();
    let err = Config::from_file(&main).unwrap_err();
    assert_eq!(err.key(), Some("indexer.layer_scan_concurency"));

    // A patch that cannot apply names the drop-in.
    std::fs::remove_file(drop_ins.join("40-typo.yaml")).unwrap();
    std::fs::write(
        drop_ins.join("50-bad.yaml-patch"),
        "- {op: remove, path: /nope}\n",
    )
    .unwrap();
    let err = Config::from_file(&main).unwrap_err();
    assert!(matches!(err, ConfigError::DropIn { .. }), "{err}");
    assert!(err.to_string().contains("50-bad.yaml-patch"), "{err}");
}

#[test]
fn yaml_syntax_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, "indexer:\n  connstring: [unclosed\n").unwrap();
    let err = Config::from_file(&path).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("config.yaml") && text.contains("line"),
        "{text}"
    );

    let missing = Config::from_file(&dir.path().join("absent.yaml")).unwrap_err();
    assert!(matches!(missing, ConfigError::Read { .. }), "{missing}");
}

#[test]
fn yaml_anchors_and_merge_keys_work() {
    let config = yaml("db: &db {connstring: 'host=db dbname=clair', migrations: true}\n");
    // `db` itself is not a Clair key.
    assert_eq!(key_of(config), "db");
    let config = yaml(
        "indexer: &db {connstring: 'host=db dbname=clair', migrations: true}\n\
         matcher:\n  <<: *db\n  period: 2h\n",
    )
    .unwrap();
    assert_eq!(config.matcher.connstring, "host=db dbname=clair");
    assert!(config.matcher.migrations);
    assert_eq!(config.matcher.period, Some(Duration::from_secs(7200)));
}

#[test]
fn a_loaded_config_serialises_and_reads_back_unchanged() {
    for file in ["combo.yaml", "split.yaml"] {
        let config = Config::from_file(&data(file)).unwrap();
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(
            Config::from_value(json.clone()).unwrap(),
            config,
            "{file}: {json}"
        );
    }
}

#[test]
fn invocation_resolves_and_loads() {
    let path = data("split.yaml");
    let env = |name: &str| match name {
        "CLAIR_CONF" => Some(OsString::from(data("split.yaml"))),
        "CLAIR_MODE" => Some(OsString::from("MATCHER")),
        _ => None,
    };
    let invocation = Invocation::resolve_with(None, None, env).unwrap();
    assert_eq!(invocation.config_path.as_deref(), Some(path.as_path()));
    assert_eq!(invocation.mode, Mode::Matcher);
    let (config, lints) = invocation.load().unwrap();
    assert_eq!(config.log_level, LogLevel::Debug);
    assert!(
        lints
            .iter()
            .any(|l| l.to_string().starts_with("matcher.max_conn_pool: "))
    );
}

#[test]
fn the_documented_scry_section_parses_with_the_stated_defaults() {
    let config = Config::from_file(&data("scry-section.yaml")).unwrap();
    config.validate(Mode::Combo).unwrap();
    let layer = &config.scry.limits.layer;
    assert_eq!(layer.inline_max.unwrap().bytes(), 1 << 20);
    assert_eq!(layer.max_uncompressed.unwrap().bytes(), 64 << 30);
    assert_eq!(layer.max_ratio, Some(250));
    let plugin = &config.scry.limits.plugin;
    assert_eq!(plugin.scan_deadline, Some(Duration::from_secs(60)));
    assert_eq!(plugin.memory.unwrap().bytes(), 512 << 20);
    assert_eq!(plugin.max_read_chunk.unwrap().bytes(), 16 << 20);
    assert_eq!(plugin.max_instances, Some(64));
    assert_eq!(
        config.scry.effective_min_interval(),
        Duration::from_secs(60)
    );
}

#[test]
fn min_interval_lowers_the_notifier_floor() {
    let yaml =
        "notifier:\n  poll_interval: 2s\n  delivery_interval: 30s\nscry:\n  min_interval: 1s\n";
    let config = Config::from_text(yaml, scry_config::Format::Yaml).unwrap();
    let floor = config.scry.effective_min_interval();
    assert_eq!(
        config.notifier.poll_interval_with_floor(floor),
        Duration::from_secs(2)
    );
    assert_eq!(
        config.notifier.delivery_interval_with_floor(floor),
        Duration::from_secs(30)
    );
    // Clair's floor: both under a minute fall back to their defaults.
    assert_eq!(
        config.notifier.effective_poll_interval(),
        Duration::from_secs(6 * 3600)
    );
    assert_eq!(
        config.notifier.effective_delivery_interval(),
        Duration::from_secs(3600)
    );
}
