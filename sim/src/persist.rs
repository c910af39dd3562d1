//! The state file: loaded at start, rewritten atomically (temporary file, fsync, rename) after
//! changes and at stop.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;

use crate::store::Store;

/// The store saved at `path`, or an empty one when there is no file yet.
pub fn load(path: &Path) -> io::Result<Store> {
    match std::fs::read(path) {
        Ok(bytes) => Store::from_json(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("state file {}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Store::default()),
        Err(e) => Err(e),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    {
        let mut file = std::fs::File::create(&tmp)?;
        io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Writes the store's current content to `path`.
pub async fn save(store: &Store, path: &Path) -> io::Result<()> {
    let bytes = store.to_json();
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || write_atomic(&path, &bytes))
        .await
        .map_err(io::Error::other)?
}

/// Saves after every change until `shutdown` changes or its sender is dropped.
pub async fn run(store: Arc<Store>, path: PathBuf, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = store.changed() => {
                if let Err(e) = save(&store, &path).await {
                    eprintln!("qualys-sim: cannot write state file {}: {e}", path.display());
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_file_is_an_empty_store_and_saves_round_trip() {
        let dir = std::env::temp_dir().join(format!("qualys-sim-persist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("state.json");
        let _ = std::fs::remove_file(&path);
        let store = load(&path).expect("empty store");
        assert!(store.all().is_empty());
        save(&store, &path).await.expect("saved");
        assert!(load(&path).expect("loads").all().is_empty());
        assert!(!dir.join("state.json.tmp").exists());
        std::fs::write(&path, b"not json").expect("written");
        assert_eq!(
            load(&path).err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidData)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
