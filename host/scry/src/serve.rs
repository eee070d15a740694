//! `scry serve`: Clair's services from one binary: indexer, matcher, notifier, or all
//! three (`combo`). What runs is decided once, in [`crate::serve_wiring`].

use std::path::PathBuf;

use anyhow::Context;
use scry_config::{Invocation, Mode};
use scry_server::Readiness;

use crate::serve_wiring::Wiring;

pub async fn serve(
    config_path: Option<PathBuf>,
    mode: Option<String>,
    plugin_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mode: Option<Mode> = mode
        .map(|m| m.parse())
        .transpose()
        .map_err(|err: scry_config::ParseModeError| anyhow::anyhow!("{err}"))?;
    let invocation = Invocation::resolve(config_path.as_deref(), mode)?;
    let mode = invocation.mode;
    let (config, lints) = invocation.load()?;
    crate::logging::apply_config_level(config.log_level);
    for lint in lints {
        tracing::warn!("config: {lint}");
    }

    let wiring = Wiring::build(&config, mode, plugin_dir).await?;
    let routes = wiring.routes(&config)?;
    let api = tokio::net::TcpListener::bind(config.http_listen_addr.bind_address())
        .await
        .with_context(|| format!("listening on http_listen_addr {}", config.http_listen_addr))?;
    let introspection = tokio::net::TcpListener::bind(config.introspection_addr.bind_address())
        .await
        .with_context(|| {
            format!(
                "listening on introspection_addr {}",
                config.introspection_addr
            )
        })?;
    wiring.background.spawn();
    tracing::info!(mode = %mode, api = %api.local_addr()?, introspection = %introspection.local_addr()?, "serving");
    let ready = Readiness::default();
    ready.set(true);
    scry_server::serve(api, introspection, routes, ready, shutdown_signal()).await?;
    Ok(())
}

/// SIGINT or SIGTERM: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
