//! Repository tooling for terraform-provider-qualys, run as `cargo xtask <command>` (see
//! `main.rs`): code the provider plugin never runs, so it lives here and not in the provider's
//! library, which it uses for the schemas.
//!
//! - `docs`: the registry docs under `docs/`, generated from the schemas and `examples/`.
//! - `platforms`: the release platforms, the one list the release workflow reads too.
//! - `compile`: release builds of the provider for those platforms.
//! - `release`: the registry's release artifacts (zips, manifest, SHA256SUMS).
//! - `bench`: Terraform against qualys-sim beside hashicorp/null: wall time, API calls, RSS.
//! - `sign`: SHA256SUMS's detached GPG signature, with a key from the environment.

use std::path::{Path, PathBuf};

pub mod bench;
pub mod compile;
pub mod docs;
pub mod platforms;
pub mod release;
pub mod sign;

/// The repository's root: xtask lives one directory below it.
pub fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
