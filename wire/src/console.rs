//! `GET /local/console`: where the console is, for whoever holds the stack's
//! credentials.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleLink {
    /// The URL that opens the console, with its token.
    pub url: String,
    /// The console's root (`http://host:port/console`).
    pub base: String,
    /// The token made at this start of the stack.
    pub token: String,
}

impl ConsoleLink {
    /// A job's page, opened with the token.
    pub fn job(&self, id: &str) -> String {
        format!("{}/jobs/{id}?token={}", self.base, self.token)
    }
}
