//! Repository commands, run as `cargo xtask <command>`:
//! - `docs`: regenerate `docs/` from the provider's schema descriptions and `examples/`;
//!   `docs --check` fails when the committed docs differ from what the schema generates.
//! - `platforms [--json]`: the release platforms (the release workflow's build matrix reads
//!   the JSON).
//! - `build --platform P [--out DIR]`: a release build for one platform, copied to
//!   `DIR/P/` (what each of the workflow's build jobs runs on its native runner).
//! - `release [--platform P]... [--prebuilt DIR] [--out DIR] [--sign]`: the registry's
//!   artifacts for every platform (or those named) in DIR (default `dist/`). Without
//!   `--prebuilt` it builds each platform this machine's toolchain can build and says which it
//!   skipped and why; with it, it packages `DIR/P/terraform-provider-qualys[.exe]` for every
//!   platform and fails if one is missing (the workflow's publish job). `--sign` signs
//!   SHA256SUMS with the key the environment names (see `xtask::sign`).
//! - `bench [--quick] [...]`: the real Terraform against qualys-sim side by side with
//!   hashicorp/null: median wall times, exact API calls, peak RSS (see `xtask::bench`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::compile::Toolchain;
use xtask::platforms::{self, PLATFORMS, Platform};
use xtask::release;
use xtask::sign::Signer;

const USAGE: &str = "usage: cargo xtask docs [--check]
       cargo xtask platforms [--json]
       cargo xtask build --platform OS_ARCH [--out DIR]
       cargo xtask release [--platform OS_ARCH]... [--prebuilt DIR] [--out DIR] [--sign]
       cargo xtask bench [--quick] [--n N,N] [--repeats R] [--api A,A] [--scenarios S,S] [...]";

/// One command line, parsed.
#[derive(Debug)]
enum Cmd {
    Docs {
        check: bool,
    },
    Platforms {
        json: bool,
    },
    Build {
        platform: &'static Platform,
        out: PathBuf,
    },
    Release(ReleaseArgs),
    Bench(xtask::bench::Options),
}

fn parse(root: &Path, args: &[String]) -> Result<Cmd, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["docs"] => Ok(Cmd::Docs { check: false }),
        ["docs", "--check"] => Ok(Cmd::Docs { check: true }),
        ["platforms"] => Ok(Cmd::Platforms { json: false }),
        ["platforms", "--json"] => Ok(Cmd::Platforms { json: true }),
        ["build", "--platform", name] => Ok(Cmd::Build {
            platform: platform_named(name)?,
            out: root.join("dist/bin"),
        }),
        ["build", "--platform", name, "--out", out] => Ok(Cmd::Build {
            platform: platform_named(name)?,
            out: PathBuf::from(out),
        }),
        ["release", rest @ ..] => parse_release_args(root, rest).map(Cmd::Release),
        ["bench", rest @ ..] => xtask::bench::Options::parse(
            rest,
            std::env::var_os("BENCH_TERRAFORM").map(PathBuf::from),
        )
        .map(Cmd::Bench)
        .map_err(|e| e.to_string()),
        _ => Err(USAGE.to_string()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The launcher the benchmark puts in front of each provider process (see `xtask::bench`).
    if let [wrap, real, rest @ ..] = args.as_slice()
        && wrap == "bench-rss-wrap"
    {
        return match xtask::bench::rss_wrap(real, rest) {
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let root = xtask::repo_root();
    let result = parse(&root, &args).and_then(|cmd| match cmd {
        Cmd::Docs { check } => docs(&root, check),
        Cmd::Platforms { json } => {
            list_platforms(json);
            Ok(())
        }
        Cmd::Build { platform, out } => build(&root, platform, &out),
        Cmd::Release(args) => release(&root, args),
        Cmd::Bench(options) => {
            let line = format!("cargo xtask {}", args.join(" "));
            xtask::bench::run(&root, options, line.trim_end()).map_err(|e| format!("bench: {e}"))
        }
    });
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
fn docs(root: &Path, check: bool) -> Result<(), String> {
    use xtask::docs;

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

fn list_platforms(json: bool) {
    if json {
        println!("{}", platforms::json());
    } else {
        for platform in PLATFORMS {
            println!("{platform}");
        }
    }
}

fn platform_named(name: &str) -> Result<&'static Platform, String> {
    Platform::by_name(name).ok_or_else(|| {
        let known: Vec<String> = PLATFORMS.iter().map(Platform::name).collect();
        format!(
            "{name:?} is not a release platform; the platforms are {}",
            known.join(", ")
        )
    })
}

/// `cargo xtask build --platform P [--out DIR]`: builds P and copies the executable to
/// `DIR/P/` (default `dist/bin/`, which git ignores), where `release --prebuilt DIR` looks for it.
fn build(root: &Path, platform: &'static Platform, out: &Path) -> Result<(), String> {
    let toolchain = Toolchain::detect(root).map_err(|e| format!("build: {e}"))?;
    toolchain
        .can_build(platform)
        .map_err(|why| format!("build: cannot build {platform}: {why}"))?;
    let binary = toolchain
        .build(root, platform)
        .map_err(|e| format!("build: {e}"))?;
    let dir = out.join(platform.name());
    std::fs::create_dir_all(&dir).map_err(|e| format!("build: creating {}: {e}", dir.display()))?;
    let to = dir.join(platform.cargo_executable());
    std::fs::copy(&binary, &to).map_err(|e| {
        format!(
            "build: copying {} to {}: {e}",
            binary.display(),
            to.display()
        )
    })?;
    println!("{}", to.display());
    Ok(())
}

#[derive(Debug)]
struct ReleaseArgs {
    platforms: Vec<&'static Platform>,
    prebuilt: Option<PathBuf>,
    out: PathBuf,
    sign: bool,
}

fn parse_release_args(root: &Path, args: &[&str]) -> Result<ReleaseArgs, String> {
    let mut parsed = ReleaseArgs {
        platforms: Vec::new(),
        prebuilt: None,
        out: root.join("dist"),
        sign: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().ok_or_else(|| USAGE.to_string());
        match *arg {
            "--platform" => parsed.platforms.push(platform_named(value()?)?),
            "--prebuilt" => parsed.prebuilt = Some(PathBuf::from(value()?)),
            "--out" => parsed.out = PathBuf::from(value()?),
            "--sign" => parsed.sign = true,
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(parsed)
}

/// `cargo xtask release`: see the module docs.
fn release(root: &Path, args: ReleaseArgs) -> Result<(), String> {
    let all = args.platforms.is_empty();
    let platforms: Vec<&'static Platform> = if all {
        PLATFORMS.iter().collect()
    } else {
        args.platforms.clone()
    };
    // Before any build: a missing key should not cost a release build to find out.
    let signer = if args.sign {
        Some(Signer::from_env().map_err(|e| format!("release: {e}"))?)
    } else {
        None
    };
    eprintln!(
        "release: terraform-provider-qualys {} into {}",
        release::VERSION,
        args.out.display()
    );

    let mut binaries = Vec::new();
    let mut skipped = Vec::new();
    match &args.prebuilt {
        Some(dir) => {
            for platform in &platforms {
                let binary = dir.join(platform.name()).join(platform.cargo_executable());
                if !binary.is_file() {
                    return Err(format!(
                        "release: {} has no {platform} binary ({} is missing)",
                        dir.display(),
                        binary.display()
                    ));
                }
                binaries.push((*platform, binary));
            }
        }
        None => {
            let toolchain = Toolchain::detect(root).map_err(|e| format!("release: {e}"))?;
            for platform in &platforms {
                match toolchain.can_build(platform) {
                    Ok(()) => {
                        eprintln!("release: building {platform} ({})", platform.target);
                        let binary = toolchain
                            .build(root, platform)
                            .map_err(|e| format!("release: {e}"))?;
                        binaries.push((*platform, binary));
                    }
                    // A platform asked for by name must be built; of the whole list, this
                    // machine builds what it can and the rest is reported.
                    Err(why) if all => skipped.push((*platform, why)),
                    Err(why) => return Err(format!("release: cannot build {platform}: {why}")),
                }
            }
        }
    }
    if binaries.is_empty() {
        return Err("release: no platform could be built on this machine".to_string());
    }

    let artifacts = release::package(&binaries, release::VERSION, &args.out)
        .map_err(|e| format!("release: {e}"))?;
    let mut files: Vec<PathBuf> = artifacts.zips.clone();
    files.push(artifacts.manifest.clone());
    files.push(artifacts.sha256sums.clone());
    let signed_by = match &signer {
        Some(signer) => {
            let signature = signer
                .sign(&artifacts.sha256sums)
                .map_err(|e| format!("release: signing: {e}"))?;
            files.push(signature);
            Some(signer.key().to_string())
        }
        None => None,
    };

    println!("artifacts (SHA-256):");
    for file in &files {
        let digest = release::sha256_file(file).map_err(|e| format!("release: {e}"))?;
        println!("{digest}  {}", file.display());
    }
    for (platform, why) in &skipped {
        println!("skipped {platform}: {why}");
    }
    match signed_by {
        Some(key) => {
            println!("SHA256SUMS signed with GPG key {key}: the registry must serve its public key")
        }
        None => println!(
            "SHA256SUMS is NOT signed (no --sign): Terraform installs it from a registry only \
             with a signature"
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    /// The release workflow cannot run here; what can be checked is that it reads the platform
    /// list from xtask and that every xtask command it runs is one xtask accepts, for every
    /// platform of the matrix.
    #[test]
    fn the_release_workflow_runs_xtask_commands_that_exist() {
        let root = xtask::repo_root();
        let workflow = std::fs::read_to_string(root.join(".github/workflows/release.yml"))
            .expect("reading the release workflow");
        assert!(
            workflow
                .contains("echo \"matrix=$(cargo xtask platforms --json)\" >> \"$GITHUB_OUTPUT\"")
                && workflow.contains("include: ${{ fromJSON(needs.platforms.outputs.matrix) }}"),
            "the build matrix is xtask's platform list"
        );
        let matrix: serde_json::Value =
            serde_json::from_str(&platforms::json()).expect("the platform list");
        let mut commands = 0;
        for line in workflow
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
        {
            let Some((_, command)) = line.split_once("cargo xtask ") else {
                continue;
            };
            let command = command.split(')').next().unwrap_or(command);
            for entry in matrix.as_array().expect("a list") {
                let mut expanded = command.to_string();
                for key in ["platform", "os", "arch", "target", "runner"] {
                    expanded = expanded.replace(
                        &format!("${{{{ matrix.{key} }}}}"),
                        entry[key].as_str().expect("a string"),
                    );
                }
                assert!(!expanded.contains("${{"), "unknown expression in {line:?}");
                if let Err(e) = parse(&root, &words(&expanded)) {
                    panic!("the workflow runs `cargo xtask {expanded}`, which xtask refuses: {e}");
                }
            }
            commands += 1;
        }
        assert_eq!(commands, 3, "platforms, build and release");
        for key in ["runner", "target", "platform"] {
            assert!(
                workflow.contains(&format!("${{{{ matrix.{key} }}}}")),
                "the build job uses matrix.{key}"
            );
        }
    }

    #[test]
    fn bench_arguments_parse() {
        let root = Path::new("/repo");
        let Ok(Cmd::Bench(options)) = parse(root, &words("bench --quick --api v2")) else {
            panic!("bench arguments refused");
        };
        assert_eq!((options.ns, options.repeats), (vec![50], 1));
        assert!(parse(root, &words("bench --bogus")).is_err());
    }

    /// The benchmarks' README quotes the command that produced its table.
    #[test]
    fn the_benchmarks_readme_quotes_a_bench_command_that_exists() {
        let readme = std::fs::read_to_string(xtask::repo_root().join("benches/README.md"))
            .expect("reading benches/README.md");
        let line = readme
            .lines()
            .find(|l| l.starts_with("Produced by `cargo xtask bench"))
            .expect("benches/README.md names the command behind its table");
        let command = line
            .split('`')
            .nth(1)
            .and_then(|c| c.strip_prefix("cargo xtask "))
            .expect("a quoted cargo xtask command");
        assert!(
            matches!(
                parse(Path::new("/repo"), &words(command)),
                Ok(Cmd::Bench(_))
            ),
            "{command}"
        );
    }

    #[test]
    fn release_arguments_parse() {
        let root = Path::new("/repo");
        let Ok(Cmd::Release(args)) = parse(
            root,
            &words("release --platform linux_arm64 --platform darwin_arm64 --prebuilt bin --sign"),
        ) else {
            panic!("release arguments refused");
        };
        let names: Vec<String> = args.platforms.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["linux_arm64", "darwin_arm64"]);
        assert_eq!(args.prebuilt, Some(PathBuf::from("bin")));
        assert_eq!(args.out, root.join("dist"));
        assert!(args.sign);
        for bad in [
            "release --platform freebsd_amd64",
            "release --out",
            "release --bogus",
            "build",
            "build --platform linux_amd64 --out",
        ] {
            assert!(parse(root, &words(bad)).is_err(), "{bad}");
        }
    }
}
