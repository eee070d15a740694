//! Notifier checks: addresses, and the delivery mechanism in use.

use super::{Checked, Lints, check_http_url, check_tls};
use crate::addr::HostPort;
use crate::config::{Amqp, Config, Stomp, Webhook};
use crate::error::ConfigError;
use crate::mode::Mode;

impl Config {
    pub(super) fn check_notifier(&self, mode: Mode, lints: &mut Lints) -> Checked {
        let notifier = &self.notifier;
        for (key, addr) in [
            ("notifier.indexer_addr", &notifier.indexer_addr),
            ("notifier.matcher_addr", &notifier.matcher_addr),
        ] {
            match addr {
                Some(addr) => check_http_url(key, addr)?,
                None if mode == Mode::Notifier => {
                    return Err(ConfigError::invalid(key, "required in notifier mode"));
                }
                None => {}
            }
        }
        let mechanisms = [
            notifier.webhook.is_some(),
            notifier.amqp.is_some(),
            notifier.stomp.is_some(),
        ];
        if mechanisms.iter().filter(|set| **set).count() > 1 {
            lints.add(
                "notifier",
                "more than one delivery mechanism is set; only the first of webhook, amqp, stomp is used",
            );
        }
        if notifier.delivery().is_none() && mode == Mode::Notifier {
            return Err(ConfigError::invalid(
                "notifier",
                "notifier mode needs a delivery mechanism: notifier.webhook, notifier.amqp or notifier.stomp",
            ));
        }
        if !mode.runs_notifier() {
            return Ok(());
        }
        for (key, interval) in [
            ("notifier.poll_interval", notifier.poll_interval),
            ("notifier.delivery_interval", notifier.delivery_interval),
        ] {
            let floor = self.scry.effective_min_interval();
            if interval.is_some_and(|d| d < floor) {
                lints.add(
                    key,
                    format!("under scry.min_interval ({floor:?}): the default is used"),
                );
            }
        }
        if let Some(webhook) = &notifier.webhook {
            check_webhook(webhook, lints)?;
        }
        if let Some(amqp) = &notifier.amqp {
            check_amqp(amqp)?;
        }
        if let Some(stomp) = &notifier.stomp {
            check_stomp(stomp, lints)?;
        }
        Ok(())
    }
}

fn check_webhook(webhook: &Webhook, lints: &mut Lints) -> Checked {
    if webhook.target.is_empty() {
        return Err(ConfigError::invalid(
            "notifier.webhook.target",
            "required: the URL notifications are POSTed to",
        ));
    }
    check_http_url("notifier.webhook.target", &webhook.target)?;
    if webhook.callback.is_empty() {
        lints.add(
            "notifier.webhook.callback",
            "empty: receivers that follow the callback cannot fetch notifications (Quay does not need it)",
        );
    } else {
        check_http_url("notifier.webhook.callback", &webhook.callback)?;
    }
    if webhook.signed {
        lints.add(
            "notifier.webhook.signed",
            "deprecated and ignored: deliveries are signed whenever auth.psk is set",
        );
    }
    Ok(())
}

fn check_amqp(amqp: &Amqp) -> Checked {
    if amqp.exchange.kind.is_empty() {
        return Err(ConfigError::invalid(
            "notifier.amqp.exchange.type",
            "required (direct, fanout, topic or headers)",
        ));
    }
    if amqp.routing_key.is_empty() {
        return Err(ConfigError::invalid(
            "notifier.amqp.routing_key",
            "required",
        ));
    }
    if amqp.uris.is_empty() {
        return Err(ConfigError::invalid(
            "notifier.amqp.uris",
            "at least one broker URI is required",
        ));
    }
    for (i, uri) in amqp.uris.iter().enumerate() {
        let key = format!("notifier.amqp.uris[{i}]");
        let parsed = url::Url::parse(uri)
            .map_err(|e| ConfigError::invalid(&key, format!("{uri:?}: {e}")))?;
        if !matches!(parsed.scheme(), "amqp" | "amqps") {
            return Err(ConfigError::invalid(
                key,
                format!("{uri:?}: expected an amqp:// or amqps:// URI"),
            ));
        }
    }
    if !amqp.direct {
        if amqp.callback.is_empty() {
            return Err(ConfigError::invalid(
                "notifier.amqp.callback",
                "required unless direct is set",
            ));
        }
        check_http_url("notifier.amqp.callback", &amqp.callback)?;
    }
    if let Some(tls) = &amqp.tls {
        check_tls("notifier.amqp.tls", tls)?;
    }
    Ok(())
}

fn check_stomp(stomp: &Stomp, lints: &mut Lints) -> Checked {
    if stomp.uris.is_empty() {
        return Err(ConfigError::invalid(
            "notifier.stomp.uris",
            "at least one broker host:port is required",
        ));
    }
    for (i, uri) in stomp.uris.iter().enumerate() {
        uri.parse::<HostPort>().map_err(|message| {
            ConfigError::invalid(format!("notifier.stomp.uris[{i}]"), message)
        })?;
    }
    if stomp.destination.is_empty() {
        lints.add(
            "notifier.stomp.destination",
            "empty: the broker decides where messages go",
        );
    }
    if !stomp.direct {
        if stomp.callback.is_empty() {
            return Err(ConfigError::invalid(
                "notifier.stomp.callback",
                "required unless direct is set",
            ));
        }
        check_http_url("notifier.stomp.callback", &stomp.callback)?;
    }
    if let Some(tls) = &stomp.tls {
        check_tls("notifier.stomp.tls", tls)?;
    }
    Ok(())
}
