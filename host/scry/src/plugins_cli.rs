//! `scry plugins add|remove|verify|list`: on the local plugin directory, or with
//! `--server` on a running server's admin API (a `scry-admin` token signed with the
//! PSK from `--psk` / `SCRY_ADMIN_PSK`). Scanners and matchers alike: each goes to
//! the set of the world it implements.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use scry_client::ServiceClient;
use scry_config::Psk;
use scry_config::psk::ADMIN_ISSUER;
use scry_plugin_sets::{DEFAULT_MAX_COMPONENT, content_hash, verify};
use scry_runtime::{Runtime, RuntimeConfig};

/// The admin API's plugin collection.
const PLUGINS: &str = "/admin/api/v1/plugins";

/// Where a change goes.
pub enum Target {
    Directory(PathBuf),
    /// A running server's admin API.
    Server(ServiceClient),
}

impl Target {
    pub fn pick(
        server: Option<String>,
        psk: Option<String>,
        dir: Option<PathBuf>,
    ) -> anyhow::Result<Target> {
        match (server, dir) {
            (Some(url), _) => {
                let psk = psk.context(
                    "--server needs the PSK: --psk or SCRY_ADMIN_PSK (base64, as auth.psk.key)",
                )?;
                Ok(Target::Server(admin_client(&url, &psk)?))
            }
            (None, Some(dir)) => Ok(Target::Directory(dir)),
            (None, None) => {
                bail!("say where: --server URL (a running server) or --plugin-dir DIR")
            }
        }
    }
}

/// Checks `file` as a server would before accepting it; prints what it is. Blocking.
pub fn verify_file(file: &Path) -> anyhow::Result<()> {
    let wasm = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let info = verify(&runtime, &wasm, DEFAULT_MAX_COMPONENT)
        .map_err(|err| anyhow::anyhow!("{}: {err}", file.display()))?;
    println!(
        "{} {} {} {} {}",
        info.name, info.version, info.world, info.kind, info.content_hash
    );
    Ok(())
}

pub async fn add(target: Target, file: &Path) -> anyhow::Result<()> {
    let wasm = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    match target {
        Target::Directory(dir) => {
            let file = file.to_path_buf();
            // Plugin calls block: off the async runtime's threads.
            tokio::task::spawn_blocking(move || add_to_dir(&dir, &file, &wasm)).await??;
        }
        Target::Server(server) => {
            let request = server
                .put(PLUGINS)
                .header(scry_server::CONTENT_HASH_HEADER, content_hash(&wasm))
                .body(wasm);
            print_change(
                &server
                    .json::<serde_json::Value>(request, "uploading the plugin")
                    .await?,
            );
        }
    }
    Ok(())
}

pub async fn remove(target: Target, name: &str, world: Option<&str>) -> anyhow::Result<()> {
    match target {
        Target::Directory(dir) => {
            let (name, world) = (name.to_string(), world.map(str::to_string));
            tokio::task::spawn_blocking(move || remove_from_dir(&dir, &name, world.as_deref()))
                .await?
        }
        Target::Server(server) => {
            let query: Vec<(&str, &str)> = world.map(|w| ("world", w)).into_iter().collect();
            let request = server.delete(&format!("{PLUGINS}/{name}")).query(&query);
            print_change(
                &server
                    .json::<serde_json::Value>(request, "removing the plugin")
                    .await?,
            );
            Ok(())
        }
    }
}

fn add_to_dir(dir: &Path, file: &Path, wasm: &[u8]) -> anyhow::Result<()> {
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let info = verify(&runtime, wasm, DEFAULT_MAX_COMPONENT)
        .map_err(|err| anyhow::anyhow!("{}: {err}", file.display()))?;
    // Written aside and renamed: a server following the directory never reads half.
    let dest = dir.join(format!("{}-{}.wasm", info.world, info.name));
    let partial = dir.join(format!(".{}-{}.wasm.partial", info.world, info.name));
    std::fs::write(&partial, wasm).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &dest).with_context(|| format!("writing {}", dest.display()))?;
    println!(
        "{} {} {} added as {}",
        info.world,
        info.name,
        info.version,
        dest.display()
    );
    Ok(())
}

fn remove_from_dir(dir: &Path, name: &str, world: Option<&str>) -> anyhow::Result<()> {
    let runtime = Runtime::new(RuntimeConfig::default())?;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_none_or(|ext| ext != "wasm") {
            continue;
        }
        let wasm = std::fs::read(&path)?;
        let named = |info: &scry_plugin_sets::PluginInfo| {
            info.name == name && world.is_none_or(|w| w == info.world)
        };
        if verify(&runtime, &wasm, usize::MAX).is_ok_and(|info| named(&info)) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            println!("{name} removed ({})", path.display());
            return Ok(());
        }
    }
    bail!("no plugin named {name:?} in {}", dir.display())
}

/// The plugins a running server serves.
pub async fn list_server(url: &str, psk: &str) -> anyhow::Result<()> {
    let server = admin_client(url, psk)?;
    let body: serde_json::Value = server.json(server.get(PLUGINS), "listing plugins").await?;
    println!(
        "{:<8} {:<16} {:<8} {:<13} {:<10} CONTENT HASH",
        "WORLD", "NAME", "VERSION", "KIND", "ORIGIN"
    );
    for p in body["plugins"].as_array().into_iter().flatten() {
        println!(
            "{:<8} {:<16} {:<8} {:<13} {:<10} {}",
            p["world"].as_str().unwrap_or_default(),
            p["name"].as_str().unwrap_or_default(),
            p["version"].as_str().unwrap_or_default(),
            p["kind"].as_str().unwrap_or_default(),
            p["origin"].as_str().unwrap_or_default(),
            p["content_hash"].as_str().unwrap_or_default()
        );
    }
    for state in ["index_state", "matcher_state"] {
        if let Some(value) = body[state].as_str() {
            println!("{state} {value}");
        }
    }
    Ok(())
}

/// The admin API of the server at `url`, signed as `scry-admin` with `psk` (base64).
fn admin_client(url: &str, psk: &str) -> anyhow::Result<ServiceClient> {
    let psk = Psk::new(psk, [ADMIN_ISSUER]).map_err(|err| anyhow::anyhow!("the PSK: {err}"))?;
    Ok(ServiceClient::new(url, Some(psk), ADMIN_ISSUER))
}

fn print_change(body: &serde_json::Value) {
    let (state, consequence) = match body["plugin"]["world"].as_str() {
        Some("matcher") => ("matcher_state", "changed: reports may differ"),
        _ => ("index_state", "changed: clients re-index"),
    };
    let changed = body[format!("{state}_changed")].as_bool().unwrap_or(false);
    println!(
        "{} {} {}: {state} {} ({})",
        body["plugin"]["world"].as_str().unwrap_or_default(),
        body["plugin"]["name"].as_str().unwrap_or_default(),
        body["plugin"]["version"].as_str().unwrap_or_default(),
        body[state].as_str().unwrap_or_default(),
        if changed { consequence } else { "unchanged" }
    );
}
