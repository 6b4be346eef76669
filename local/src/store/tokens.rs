//! The tokens of callback tasks: opened when a task hands its token out, closed when the task
//! ends. Writes are queued behind the history events, so a token is on disk no later than the
//! TaskSubmitted event that follows its opening.

use chrono::{DateTime, Utc};
use jobs_asl::TokenOwner;
use jobs_domain::job::timestamp;
use jobs_domain::ports::StoreError;
use rusqlite::{params, OptionalExtension};

use super::jobs::store_error;
use super::sqlite::{Cached, Db};

/// One open token of an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenToken {
    pub token: String,
    pub state: String,
}

#[derive(Clone)]
pub(crate) struct TokenStore {
    db: Db,
}

impl TokenStore {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// Queues a token's opening; opening it again (a resumed wait) reopens it.
    pub(crate) fn open(&self, token: &str, owner: &TokenOwner, at: DateTime<Utc>) {
        let (token, arn, state) = (
            token.to_owned(),
            owner.execution_arn.clone(),
            owner.state_name.clone(),
        );
        self.db.write_detached("a task token", move |c| {
            c.exec(
                "INSERT INTO task_tokens (token, execution_arn, state, opened_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (token) DO UPDATE SET closed = 0",
                params![token, arn, state, timestamp(&at)],
            )?;
            Ok(())
        });
    }

    /// Queues a token's ending.
    pub(crate) fn close(&self, token: &str) {
        let token = token.to_owned();
        self.db.write_detached("a task token's ending", move |c| {
            c.exec(
                "UPDATE task_tokens SET closed = 1 WHERE token = ?1",
                [token],
            )?;
            Ok(())
        });
    }

    /// Whether this token was ever issued.
    pub(crate) async fn issued(&self, token: &str) -> Result<bool, StoreError> {
        let token = token.to_owned();
        self.db
            .read(move |c| {
                Ok(c.row(
                    "SELECT 1 FROM task_tokens WHERE token = ?1",
                    [token],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
            })
            .await
            .map_err(store_error)
    }

    /// The tokens of `execution_arn` still open.
    pub(crate) async fn open_for(&self, execution_arn: &str) -> Result<Vec<OpenToken>, StoreError> {
        let arn = execution_arn.to_owned();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT token, state FROM task_tokens WHERE execution_arn = ?1 AND closed = 0
                     ORDER BY opened_at",
                )?;
                let rows = st.query_map([arn], |r| {
                    Ok(OpenToken {
                        token: r.get(0)?,
                        state: r.get(1)?,
                    })
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(arn: &str, state: &str) -> TokenOwner {
        TokenOwner {
            execution_arn: arn.into(),
            state_name: state.into(),
        }
    }

    /// Queued writes commit in order: one awaited write follows them all.
    async fn flush(store: &TokenStore) {
        store.db.write(|_| Ok(())).await.unwrap();
    }

    #[tokio::test]
    async fn tokens_open_close_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(Db::open(dir.path()).unwrap());
        let now = Utc::now();
        store.open("t1", &owner("arn:a", "Approve"), now);
        store.open("t2", &owner("arn:a", "Review"), now);
        store.open("t3", &owner("arn:b", "Approve"), now);
        store.close("t2");
        flush(&store).await;
        let open = store.open_for("arn:a").await.unwrap();
        assert_eq!(
            open,
            vec![OpenToken {
                token: "t1".into(),
                state: "Approve".into()
            }]
        );
        assert!(store.issued("t2").await.unwrap());
        assert!(!store.issued("t9").await.unwrap());
        store.open("t2", &owner("arn:a", "Review"), now);
        flush(&store).await;
        assert_eq!(store.open_for("arn:a").await.unwrap().len(), 2);
    }
}
