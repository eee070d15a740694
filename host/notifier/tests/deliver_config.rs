//! `from_config`: which deliverer the notifier config gives, and errors naming the key.

use scry_config::{Amqp, Exchange, Notifier, Stomp, Tls, Webhook};
use scry_notifier::deliver::from_config;

fn error(notifier: Notifier) -> String {
    match from_config(&notifier, None) {
        Err(message) => message,
        Ok(_) => panic!("expected an error for {notifier:?}"),
    }
}

fn amqp() -> Amqp {
    Amqp {
        exchange: Exchange {
            name: "scry".into(),
            kind: "direct".into(),
            ..Exchange::default()
        },
        routing_key: "notifications".into(),
        callback: "http://scry:6060/notifier/api/v1/notification/".into(),
        uris: vec!["amqp://guest:guest@127.0.0.1:5672/%2f".into()],
        ..Amqp::default()
    }
}

fn stomp() -> Stomp {
    Stomp {
        destination: "/queue/scry".into(),
        callback: "http://scry:6060/notifier/api/v1/notification/".into(),
        uris: vec!["127.0.0.1:61613".into()],
        ..Stomp::default()
    }
}

#[test]
fn no_mechanism_means_no_deliverer() {
    assert!(from_config(&Notifier::default(), None).unwrap().is_none());
}

#[test]
fn precedence_is_webhook_then_amqp_then_stomp() {
    let webhook = Webhook {
        target: "http://quay/secscan/notification".into(),
        ..Webhook::default()
    };
    let all = Notifier {
        webhook: Some(webhook),
        amqp: Some(amqp()),
        stomp: Some(stomp()),
        ..Notifier::default()
    };
    let name = |n: &Notifier| from_config(n, None).unwrap().unwrap().name();
    assert_eq!(name(&all), "webhook");
    let no_webhook = Notifier {
        webhook: None,
        ..all.clone()
    };
    assert_eq!(name(&no_webhook), "amqp");
    let only_stomp = Notifier {
        amqp: None,
        ..no_webhook
    };
    assert_eq!(name(&only_stomp), "stomp");
    let direct = Notifier {
        stomp: Some(Stomp {
            direct: true,
            callback: String::new(),
            ..stomp()
        }),
        ..Notifier::default()
    };
    assert!(from_config(&direct, None).unwrap().unwrap().direct());
}

#[test]
fn bad_webhooks_name_the_key() {
    let with = |webhook: Webhook| Notifier {
        webhook: Some(webhook),
        ..Notifier::default()
    };
    assert_eq!(
        error(with(Webhook::default())),
        "notifier.webhook.target: required"
    );
    let err = error(with(Webhook {
        target: "ftp://quay/x".into(),
        ..Webhook::default()
    }));
    assert!(
        err.starts_with("notifier.webhook.target: \"ftp://quay/x\""),
        "{err}"
    );
    let err = error(with(Webhook {
        target: "http://quay/x".into(),
        headers: [("bad header".to_owned(), vec!["v".to_owned()])].into(),
        ..Webhook::default()
    }));
    assert!(
        err.starts_with("notifier.webhook.headers: \"bad header\""),
        "{err}"
    );
}

#[test]
fn bad_amqp_names_the_key() {
    let with = |amqp: Amqp| Notifier {
        amqp: Some(amqp),
        ..Notifier::default()
    };
    assert_eq!(
        error(with(Amqp {
            routing_key: String::new(),
            ..amqp()
        })),
        "notifier.amqp.routing_key: required"
    );
    let err = error(with(Amqp {
        uris: vec![],
        ..amqp()
    }));
    assert!(err.starts_with("notifier.amqp.uris: at least one"), "{err}");
    let err = error(with(Amqp {
        uris: vec!["http://guest:hunter2@host/".into()],
        ..amqp()
    }));
    assert!(err.starts_with("notifier.amqp.uris: "), "{err}");
    assert!(!err.contains("hunter2"), "the password is shown: {err}");
    assert_eq!(
        error(with(Amqp {
            callback: String::new(),
            ..amqp()
        })),
        "notifier.amqp.callback: required unless direct is set"
    );
    let direct = with(Amqp {
        callback: String::new(),
        direct: true,
        ..amqp()
    });
    assert!(from_config(&direct, None).unwrap().unwrap().direct());
    let err = error(with(Amqp {
        tls: Some(Tls {
            cert: Some("/nonexistent/client.pem".into()),
            key: Some("/nonexistent/client.key".into()),
            root_ca: None,
        }),
        ..amqp()
    }));
    assert!(
        err.starts_with("notifier.amqp.tls.cert: /nonexistent/client.pem"),
        "{err}"
    );
}

#[test]
fn bad_stomp_names_the_key() {
    let with = |stomp: Stomp| Notifier {
        stomp: Some(stomp),
        ..Notifier::default()
    };
    assert_eq!(
        error(with(Stomp {
            uris: vec!["x".into()],
            ..stomp()
        })),
        "notifier.stomp.uris: \"x\" is not host:port"
    );
    assert_eq!(
        error(with(Stomp {
            uris: vec![":61613".into()],
            ..stomp()
        })),
        "notifier.stomp.uris: \":61613\" is not host:port"
    );
    let err = error(with(Stomp {
        uris: vec![],
        ..stomp()
    }));
    assert!(
        err.starts_with("notifier.stomp.uris: at least one"),
        "{err}"
    );
    assert_eq!(
        error(with(Stomp {
            callback: String::new(),
            ..stomp()
        })),
        "notifier.stomp.callback: required unless direct is set"
    );
    let err = error(with(Stomp {
        tls: Some(Tls::default()),
        ..stomp()
    }));
    assert!(err.starts_with("notifier.stomp.tls: "), "{err}");
}
