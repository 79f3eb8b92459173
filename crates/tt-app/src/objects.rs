//! Object storage for evidence files, as a port: a local folder by default. Keys are chosen by
//! the application (never by the uploader), so a key cannot climb out of the folder.

use std::path::PathBuf;

use crate::mailer::MailFuture as BoxFuture;

pub trait ObjectStore: Send + Sync {
    /// Stores the bytes under `key`, whole or not at all.
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, anyhow::Result<()>>;
    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Vec<u8>>>;
}

/// Files under one folder; each object is written to a temporary file and renamed into place,
/// so a crash never leaves half an object under its key.
pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let safe = !key.is_empty()
            && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
            && key.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_./".contains(&byte));
        anyhow::ensure!(safe, "'{key}' is not an object key");
        Ok(self.root.join(key))
    }
}

impl ObjectStore for LocalFolder {
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, anyhow::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                use std::io::Write as _;
                let folder = path.parent().ok_or_else(|| anyhow::anyhow!("an object key needs a folder"))?;
                std::fs::create_dir_all(folder)?;
                let temporary = folder.join(format!(".{}.partial", uuid::Uuid::new_v4().simple()));
                let mut file = std::fs::File::create(&temporary)?;
                file.write_all(&bytes)?;
                file.sync_all()?;
                std::fs::rename(&temporary, &path)?;
                // The rename itself is durable only once the folder is synced.
                std::fs::File::open(folder)?.sync_all()?;
                Ok(())
            })
            .await?
        })
    }

    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Vec<u8>>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            Ok(tokio::task::spawn_blocking(move || std::fs::read(path)).await??)
        })
    }
}

/// The hook where a virus scanner plugs in: every evidence file passes through it before it is
/// stored. Scanning itself is out of scope; the default accepts every file.
pub trait EvidenceScanner: Send + Sync {
    /// `Err` with the reason refuses the file.
    ///
    /// # Errors
    /// When the file must not be stored.
    fn scan(&self, file_name: &str, bytes: &[u8]) -> Result<(), String>;
}

/// Accepts every file (no scanner configured).
pub struct NoScanner;

impl EvidenceScanner for NoScanner {
    fn scan(&self, _file_name: &str, _bytes: &[u8]) -> Result<(), String> {
        Ok(())
    }
}
