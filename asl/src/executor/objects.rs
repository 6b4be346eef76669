//! The port through which a distributed Map reaches S3: its `ItemReader` reads one object's
//! bytes or the objects of a bucket under a prefix, its `ResultWriter` puts objects.
//! [`DirObjects`] stands in for S3 with a folder on this machine (`DIR/bucket/key`), for
//! running definitions offline.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use std::path::{Path, PathBuf};

/// An object of a listing, with the fields s3:listObjectsV2 gives for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// Quoted, as S3 gives it: `"\"<md5 hex>\""`.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    pub storage_class: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("the bucket {0} does not exist")]
    NoSuchBucket(String),
    #[error("the object s3://{0}/{1} does not exist")]
    NoSuchKey(String, String),
    #[error("{0}")]
    Other(String),
}

/// Where a distributed Map's items are read from and its results written to.
#[async_trait]
pub trait ObjectSource: Send + Sync {
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, ObjectError>;
    /// The objects whose keys start with `prefix`, in key order (as S3 lists them).
    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError>;
    /// Writes (or replaces) one object of an existing bucket.
    async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError>;
}

/// S3 as a folder: bucket `b`'s object `k` is the file `root/b/k` (a key's `/` are folders).
#[derive(Debug, Clone)]
pub struct DirObjects {
    root: PathBuf,
}

impl DirObjects {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirObjects { root: root.into() }
    }

    fn bucket(&self, bucket: &str) -> Result<PathBuf, ObjectError> {
        let dir = self.root.join(bucket);
        if bucket.is_empty() || bucket.contains(['/', '\\']) || bucket == ".." || !dir.is_dir() {
            return Err(ObjectError::NoSuchBucket(bucket.to_owned()));
        }
        Ok(dir)
    }
}

/// A key as a path under its bucket's folder; none for a key that would leave it.
fn key_path(dir: &Path, key: &str) -> Option<PathBuf> {
    let mut p = dir.to_path_buf();
    for part in key.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return None;
        }
        p.push(part);
    }
    Some(p)
}

#[async_trait]
impl ObjectSource for DirObjects {
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, ObjectError> {
        let dir = self.bucket(bucket)?;
        let missing = || ObjectError::NoSuchKey(bucket.to_owned(), key.to_owned());
        let path = key_path(&dir, key).ok_or_else(missing)?;
        match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound || path.is_dir() => Err(missing()),
            Err(e) => Err(ObjectError::Other(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        let dir = self.bucket(bucket)?;
        let mut found = Vec::new();
        walk(&dir, "", &mut found)
            .map_err(|e| ObjectError::Other(format!("cannot list {}: {e}", dir.display())))?;
        found.retain(|(key, _)| key.starts_with(prefix));
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
            .into_iter()
            .map(|(key, path)| {
                let bytes = std::fs::read(&path).map_err(|e| {
                    ObjectError::Other(format!("cannot read {}: {e}", path.display()))
                })?;
                let modified = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .map(DateTime::<Utc>::from)
                    .unwrap_or_default();
                Ok(ObjectInfo {
                    key,
                    size: bytes.len() as u64,
                    etag: format!("\"{:x}\"", Md5::digest(&bytes)),
                    last_modified: modified,
                    storage_class: "STANDARD".to_owned(),
                })
            })
            .collect()
    }

    async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<(), ObjectError> {
        let dir = self.bucket(bucket)?;
        let path = key_path(&dir, key).ok_or_else(|| {
            ObjectError::Other(format!(
                "the key {key:?} cannot be stored in a folder (an empty, . or .. part)"
            ))
        })?;
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &bytes)
        };
        write().map_err(|e| ObjectError::Other(format!("cannot write {}: {e}", path.display())))
    }
}

/// Every file under `dir`, keyed as S3 would key it (`sub/file`).
fn walk(dir: &Path, at: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{at}{name}");
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &format!("{key}/"), out)?;
        } else {
            out.push((key, entry.path()));
        }
    }
    Ok(())
}
