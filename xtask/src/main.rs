//! Repository commands, run as `cargo xtask <command>`:
//! - `docs`: regenerate `docs/` from the provider's schema descriptions and `examples/`;
//!   `docs --check` fails when the committed docs differ from what the schema generates.
//! - `release`: build the release binary and the registry artifacts into `dist/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the repository")
        .to_path_buf()
}

const USAGE: &str = "usage: cargo xtask docs [--check] | cargo xtask release [--out DIR]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("docs") => docs(&root, &args[1..]),
        Some("release") => release(&root, &args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn docs(_root: &Path, _args: &[String]) -> Result<(), String> {
    Err("docs: not written yet (issue 6)".to_string())
}

fn release(_root: &Path, _args: &[String]) -> Result<(), String> {
    Err("release: not written yet (issue 6)".to_string())
}
