//! The detached GPG signature of `SHA256SUMS` that Terraform checks against the key the
//! registry serves. The key never lives in the repository: it comes from the environment,
//! either as an armored private key (`GPG_PRIVATE_KEY`, imported into a throwaway keyring; the
//! release workflow's secret) or as the fingerprint of a key already in the keyring
//! (`GPG_FINGERPRINT`, with `GNUPGHOME` as gpg reads it). `GPG_PASSPHRASE` unlocks either.
//! gpg does the signing: the format is OpenPGP's, and gpg is what release managers hold keys in.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(
        "no signing key: set GPG_PRIVATE_KEY (an armored private key) or GPG_FINGERPRINT \
         (a key in the gpg keyring)"
    )]
    NoKey,

    #[error("running {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{what} failed ({status}): {stderr}")]
    Gpg {
        what: &'static str,
        status: std::process::ExitStatus,
        stderr: String,
    },

    #[error("GPG_PRIVATE_KEY held no secret key")]
    NoSecretKey,

    #[error("creating a keyring for GPG_PRIVATE_KEY: {0}")]
    Keyring(#[source] std::io::Error),
}

/// A key to sign with and the keyring that holds it.
#[derive(Debug)]
pub struct Signer {
    gpg: OsString,
    /// `None`: gpg's own choice (`GNUPGHOME` or `~/.gnupg`).
    home: Option<PathBuf>,
    key: String,
    passphrase: Option<String>,
    /// The throwaway keyring a `GPG_PRIVATE_KEY` was imported into, removed on drop.
    imported: Option<tempfile::TempDir>,
}

impl Signer {
    /// The key the environment names (see the module docs).
    pub fn from_env() -> Result<Signer, SignError> {
        let gpg = std::env::var_os("GPG").unwrap_or_else(|| "gpg".into());
        let passphrase = std::env::var("GPG_PASSPHRASE")
            .ok()
            .filter(|p| !p.is_empty());
        if let Some(armored) = std::env::var("GPG_PRIVATE_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
        {
            return Signer::import(gpg, &armored, passphrase);
        }
        match std::env::var("GPG_FINGERPRINT") {
            Ok(key) if !key.trim().is_empty() => Ok(Signer {
                gpg,
                home: None,
                key: key.trim().to_string(),
                passphrase,
                imported: None,
            }),
            _ => Err(SignError::NoKey),
        }
    }

    /// The key `key` (fingerprint or key id) of the keyring in `home`, without a passphrase.
    pub fn with_keyring(home: &Path, key: &str) -> Signer {
        Signer {
            gpg: "gpg".into(),
            home: Some(home.to_path_buf()),
            key: key.to_string(),
            passphrase: None,
            imported: None,
        }
    }

    fn import(
        gpg: OsString,
        armored: &str,
        passphrase: Option<String>,
    ) -> Result<Signer, SignError> {
        // A short path: gpg-agent's socket lives in the keyring directory.
        let dir = tempfile::Builder::new()
            .prefix("xtask-gpg")
            .tempdir_in(std::env::temp_dir())
            .map_err(SignError::Keyring)?;
        let mut signer = Signer {
            gpg,
            home: Some(dir.path().to_path_buf()),
            key: String::new(),
            passphrase,
            imported: Some(dir),
        };
        signer.run("importing GPG_PRIVATE_KEY", &["--import"], Some(armored))?;
        let listing = signer.run(
            "listing the imported key",
            &["--with-colons", "--list-secret-keys"],
            None,
        )?;
        // The primary key's fingerprint: the first `fpr` record after the first `sec` record.
        signer.key = listing
            .lines()
            .skip_while(|line| !line.starts_with("sec:"))
            .find_map(|line| line.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').nth(8))
            .filter(|fpr| !fpr.is_empty())
            .ok_or(SignError::NoSecretKey)?
            .to_string();
        Ok(signer)
    }

    /// The key signing is done with, as given or as imported.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Writes `<file>.sig`, a binary detached signature (the kind Terraform reads), checks it
    /// with gpg, and returns its path.
    pub fn sign(&self, file: &Path) -> Result<PathBuf, SignError> {
        let mut signature = file.as_os_str().to_owned();
        signature.push(".sig");
        let signature = PathBuf::from(signature);
        let mut args: Vec<OsString> = vec!["--yes".into()];
        if self.passphrase.is_some() {
            args.extend(["--pinentry-mode", "loopback", "--passphrase-fd", "0"].map(Into::into));
        }
        args.extend(["--local-user".into(), self.key.clone().into()]);
        args.extend(["--detach-sign".into(), "--output".into()]);
        args.push(signature.clone().into());
        args.push(file.into());
        self.run("gpg --detach-sign", &args, self.passphrase.as_deref())?;
        let verify: [OsString; 3] = ["--verify".into(), signature.clone().into(), file.into()];
        self.run("checking the new signature", &verify, None)?;
        Ok(signature)
    }

    fn run<S: AsRef<std::ffi::OsStr>>(
        &self,
        what: &'static str,
        args: &[S],
        stdin: Option<&str>,
    ) -> Result<String, SignError> {
        let mut command = Command::new(&self.gpg);
        command.arg("--batch").args(args);
        if let Some(home) = &self.home {
            command.env("GNUPGHOME", home);
        }
        command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let spawn_error = |source| SignError::Spawn {
            program: self.gpg.to_string_lossy().into_owned(),
            source,
        };
        let mut child = command.spawn().map_err(spawn_error)?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes()).map_err(spawn_error)?;
        }
        let output = child.wait_with_output().map_err(spawn_error)?;
        if !output.status.success() {
            return Err(SignError::Gpg {
                what,
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        // The agent gpg started for the throwaway keyring would outlive its directory.
        if let Some(dir) = &self.imported {
            let _ = Command::new("gpgconf")
                .args(["--kill", "gpg-agent"])
                .env("GNUPGHOME", dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpg(home: &Path, args: &[&str]) -> String {
        let out = Command::new("gpg")
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", home)
            .output()
            .expect("running gpg");
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The release workflow's path: an armored private key with a passphrase, imported into a
    /// throwaway keyring; the signature verifies against the exported public key alone.
    #[test]
    fn an_armored_key_from_the_environment_signs_verifiably() {
        let dir = tempfile::Builder::new()
            .prefix("sign")
            .tempdir()
            .expect("a temp dir");
        let origin = dir.path().join("origin");
        std::fs::create_dir(&origin).expect("mkdir");
        gpg(
            &origin,
            &[
                "--passphrase",
                "pw",
                "--quick-gen-key",
                "origin <o@example.invalid>",
                "rsa3072",
                "sign",
                "never",
            ],
        );
        let secret = gpg(
            &origin,
            &[
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "pw",
                "--armor",
                "--export-secret-keys",
            ],
        );
        let public = gpg(&origin, &["--armor", "--export"]);

        let file = dir.path().join("SHA256SUMS");
        std::fs::write(
            &file,
            "0000  terraform-provider-qualys_0.1.0_linux_amd64.zip\n",
        )
        .expect("writing");
        let wrong = Signer::import("gpg".into(), &secret, Some("not it".to_string()))
            .expect("importing needs no passphrase");
        assert!(matches!(wrong.sign(&file), Err(SignError::Gpg { .. })));
        drop(wrong);

        let signer =
            Signer::import("gpg".into(), &secret, Some("pw".to_string())).expect("importing");
        assert_eq!(signer.key().len(), 40, "a fingerprint: {}", signer.key());
        let signature = signer.sign(&file).expect("signing");
        assert_eq!(signature, dir.path().join("SHA256SUMS.sig"));

        let checker = dir.path().join("checker");
        std::fs::create_dir(&checker).expect("mkdir");
        let import = Command::new("gpg")
            .args(["--batch", "--import"])
            .env("GNUPGHOME", &checker)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut child| {
                child
                    .stdin
                    .take()
                    .expect("stdin")
                    .write_all(public.as_bytes())?;
                child.wait()
            })
            .expect("importing the public key");
        assert!(import.success());
        gpg(
            &checker,
            &[
                "--verify",
                &signature.display().to_string(),
                &file.display().to_string(),
            ],
        );
        std::fs::write(&file, "tampered\n").expect("writing");
        let verify = Command::new("gpg")
            .args(["--batch", "--verify"])
            .arg(&signature)
            .arg(&file)
            .env("GNUPGHOME", &checker)
            .output()
            .expect("running gpg");
        assert!(
            !verify.status.success(),
            "a changed file fails verification"
        );
        for home in [&origin, &checker] {
            let _ = Command::new("gpgconf")
                .args(["--kill", "gpg-agent"])
                .env("GNUPGHOME", home)
                .status();
        }
    }

    #[test]
    fn a_private_key_that_is_not_a_key_is_refused() {
        let err = Signer::import("gpg".into(), "not a key", None).expect_err("no key");
        assert!(
            matches!(err, SignError::Gpg { .. } | SignError::NoSecretKey),
            "{err}"
        );
    }
}
