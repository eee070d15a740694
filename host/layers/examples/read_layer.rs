//! Reads one layer file and prints what was captured and how fast.
//!
//! ```text
//! cargo run --release -p scry-layers --example read_layer -- LAYER DIGEST [walk-only | GLOB... [+x] [+elf]]
//! ```

use std::{path::PathBuf, time::Instant};

use scry_layers::{FileWants, Layer, LayerSource, Limits, Router, read_layer, walk_only};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(digest)) = (args.next(), args.next()) else {
        eprintln!("usage: read_layer LAYER DIGEST [walk-only | GLOB... [+x] [+elf]]");
        std::process::exit(2);
    };
    let rest: Vec<String> = args.collect();
    let layer = Layer {
        digest,
        source: LayerSource::File(PathBuf::from(path)),
    };
    let http = reqwest::Client::new();
    let limits = Limits::default();
    let start = Instant::now();
    let stats = if rest.first().is_some_and(|arg| arg == "walk-only") {
        walk_only(&layer, &limits, &http).await?
    } else {
        let wants = FileWants {
            globs: rest
                .iter()
                .filter(|a| !a.starts_with('+'))
                .cloned()
                .collect(),
            executables: rest.iter().any(|a| a == "+x"),
            magic: if rest.iter().any(|a| a == "+elf") {
                vec![b"\x7fELF".to_vec()]
            } else {
                Vec::new()
            },
        };
        let files = read_layer(&layer, &Router::new(&[wants])?, &limits, &http, &|_| {}).await?;
        for file in &files.files {
            println!("{:>12} {:o} {}", file.size, file.mode, file.path);
        }
        for link in &files.unresolved_links {
            println!(
                "unresolved {:?} {} -> {}",
                link.reason, link.path, link.target
            );
        }
        files.stats
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{stats:#?}");
    println!(
        "{secs:.2} s, {:.0} MB/s of tar",
        stats.uncompressed_bytes as f64 / secs / 1e6
    );
    Ok(())
}
