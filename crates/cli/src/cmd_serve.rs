//! `canvass serve [--addr 127.0.0.1:8080] [--database URL] [--data DIR] [--registry F]`:
//! the audit room on the web (see docs/SERVER.md). A thin shell over
//! `canvass_server::run`.

use anyhow::anyhow;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Arguments of `canvass serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The store: a SQLite file (default DATA/canvass.db), `sqlite:PATH`, or
    /// `postgres://...` (when built with the `postgres` feature).
    #[arg(long)]
    database: Option<String>,
    /// The folder for the signing key, uploads and the default database.
    #[arg(long, default_value = "canvass-data")]
    data: PathBuf,
    /// Mark cookies `Secure` (set when the server is behind TLS).
    #[arg(long)]
    secure_cookies: bool,
    /// The largest upload accepted, in MiB.
    #[arg(long, default_value_t = 4096)]
    upload_limit_mib: u64,
    /// A claims registry (schema `canvass.claims.v1`) for Rumor Control and
    /// `POST /api/label`, instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    registry: Option<PathBuf>,
}

/// Run `canvass serve`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = canvass_server::Config {
        data_dir: args.data,
        secure_cookies: args.secure_cookies,
        upload_limit: args.upload_limit_mib.saturating_mul(1 << 20),
        registry: args.registry,
        ..canvass_server::Config::default()
    };
    canvass_server::run(canvass_server::ServeOptions {
        addr: args.addr,
        database: args.database,
        config,
    })
    .map_err(|e| anyhow!(e))
}
