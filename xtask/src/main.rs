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

/// `cargo xtask docs`: rewrites `docs/` from the schema, `examples/` and `docs-templates/`.
/// `cargo xtask docs --check`: changes nothing, fails listing every page that differs.
fn docs(root: &Path, args: &[String]) -> Result<(), String> {
    use tfqualys::docs;

    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(USAGE.to_string()),
    };
    let problems = docs::check(root).map_err(|e| format!("docs: {e}"))?;
    if check {
        if problems.is_empty() {
            println!("docs/ matches the schema and examples/");
            return Ok(());
        }
        return Err(format!(
            "{}\ndocs/ is out of date: run `cargo xtask docs`",
            problems.join("\n")
        ));
    }
    docs::write(root).map_err(|e| format!("docs: {e}"))?;
    if problems.is_empty() {
        println!("docs/ was already up to date");
    }
    for problem in problems {
        println!("fixed: {problem}");
    }
    Ok(())
}

/// `cargo xtask release [--out DIR]`: a locked release build of the provider for this host,
/// packaged with `tfqualys::release` into DIR (default `dist/`).
fn release(root: &Path, args: &[String]) -> Result<(), String> {
    use tfqualys::release::{self, Platform};

    let out_dir = match args {
        [] => root.join("dist"),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => return Err(USAGE.to_string()),
    };
    let platform = Platform::host().map_err(|e| format!("release: {e}"))?;
    eprintln!(
        "release: building terraform-provider-qualys {} for {}_{} (cargo build --release --locked)",
        release::VERSION,
        platform.os,
        platform.arch
    );
    let binary = build_release_binary(root)?;
    let artifacts = release::package(
        &binary,
        release::VERSION,
        platform.os,
        platform.arch,
        &out_dir,
    )
    .map_err(|e| format!("release: {e}"))?;
    for path in [&artifacts.zip, &artifacts.sha256sums, &artifacts.manifest] {
        println!("{}", path.display());
    }
    Ok(())
}

/// Builds the provider binary and returns its path, as cargo reports it (so a
/// `CARGO_TARGET_DIR` or `build.target-dir` setting is honoured).
fn build_release_binary(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "terraform-provider-qualys",
            "--bin",
            "terraform-provider-qualys",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("release: running cargo build: {e}"))?;
    if !output.status.success() {
        return Err(format!("release: cargo build failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["name"] == "terraform-provider-qualys"
        })
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| {
            "release: cargo build reported no terraform-provider-qualys executable".into()
        })
}
