//! A second job, written as an adopter would write theirs: it shows that the
//! system follows whatever job crate stands at `job/`. Put this crate there
//! (package name `jobs-job`) and run `cargo run -p jobs -- generate`, and the
//! request model, OpenAPI, Postman, the console's form, the CLI's
//! `key=value` typing and the time limits all follow its types and
//! constants: see "Make it yours" in the README.
//!
//! The digest job hashes a text `rounds` times with `sha256` or `blake3`
//! and records `{"digest": "<lowercase hex>", "rounds": N}`. The first round
//! hashes the text's UTF-8 bytes; each later round hashes the previous
//! round's raw digest (its 32 bytes, not its hex). The hashing is CPU work,
//! so it runs on tokio's blocking pool rather than on the runtime's threads.

#![warn(unreachable_pub)]

use std::time::Duration;

use jobs_domain::work::{JobFailure, Limits, RunContext, Work};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tracing::info;

/// The largest text, in UTF-8 bytes. The schema can only bound characters
/// (`maxLength`), so `validate` counts the bytes.
const MAX_TEXT_BYTES: usize = 4096;

const MAX_ROUNDS: u32 = 100_000;

/// How long a run may take. The worst case (a 4096-byte text, 100,000
/// rounds; `cargo bench -p jobs-digest-job`) took 26 ms median, 41 ms at
/// most, with sha256 and 12 ms with blake3 in a release build here, and
/// 360 ms (sha256) and 24 ms (blake3) in a debug build. A Lambda's CPU share
/// follows its memory: at 128 MB it gets under a tenth of a core, which
/// makes the release worst case about half a second, and some 1.5 s on a
/// CPU without SHA instructions. 10 s leaves that room several times over
/// and keeps the workflow far inside the Express window.
const TIME_LIMIT_SECONDS: u64 = 10;

/// The largest valid body: the text with every byte written as a `\u00XX`
/// escape (6 bytes each, the longest JSON allows for one byte of UTF-8),
/// then the other fields, their keys, punctuation and some whitespace,
/// which take a few hundred bytes at most even with every key escaped.
const MAX_BODY_BYTES: usize = 6 * MAX_TEXT_BYTES + 1024;

/// What a client asks the digest job to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "CreateJobRequest",
    description = "Body of POST /jobs: the text to hash, how many rounds and with which algorithm."
)]
pub struct Parameters {
    /// The text to hash; at most 4096 bytes once encoded as UTF-8.
    #[schemars(length(max = 4096))]
    pub text: String,
    /// How many times to hash: the text first, then each digest's raw bytes.
    #[schemars(range(min = 1, max = 100_000))]
    pub rounds: u32,
    /// The hash function.
    pub algorithm: Algorithm,
}

// No doc comments on the variants: with them schemars writes a `oneOf` of
// constants, and a plain `enum` is what a form can offer as a choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Algorithm {
    Sha256,
    Blake3,
}

/// What the digest job records when it succeeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    /// The last round's digest, in lowercase hex.
    pub digest: String,
    /// How many rounds were run.
    pub rounds: u32,
}

/// The job: the one type the rest of the system is built around.
#[derive(Clone, Copy, Debug, Default)]
pub struct Job;

impl Work for Job {
    type Parameters = Parameters;
    type Results = Results;

    const LIMITS: Limits = Limits {
        time: Duration::from_secs(TIME_LIMIT_SECONDS),
        body_bytes: MAX_BODY_BYTES,
        // {"digest":"<64 hex>","rounds":100000} is 90 bytes.
        result_bytes: 256,
    };

    fn example() -> Parameters {
        Parameters {
            text: "hello, world".to_owned(),
            rounds: 1000,
            algorithm: Algorithm::Sha256,
        }
    }

    // The processor checks parameters again with this alone (not the
    // schema), so the ranges the schema states are checked here too.
    fn validate(parameters: &Parameters) -> Result<(), String> {
        let bytes = parameters.text.len();
        if bytes > MAX_TEXT_BYTES {
            return Err(format!(
                "text is {bytes} bytes of UTF-8; the limit is {MAX_TEXT_BYTES} bytes"
            ));
        }
        if !(1..=MAX_ROUNDS).contains(&parameters.rounds) {
            return Err(format!(
                "rounds must be a whole number from 1 to {MAX_ROUNDS}, got {}",
                parameters.rounds
            ));
        }
        Ok(())
    }

    async fn run(
        &self,
        context: RunContext,
        parameters: Parameters,
    ) -> Result<Results, JobFailure> {
        let Parameters {
            text,
            rounds,
            algorithm,
        } = parameters;
        let span = context.span;
        let hashing = tokio::task::spawn_blocking(move || {
            // The blocking pool's thread has no span of its own: enter the
            // job's, so these lines carry the job id.
            let _entered = span.enter();
            info!(rounds, ?algorithm, text_bytes = text.len(), "hashing");
            let digest = digest(algorithm, text.as_bytes(), rounds);
            info!(rounds, "hashed");
            digest
        });
        let digest = hashing
            .await
            .map_err(|e| JobFailure::new("DigestFailed", format!("the hashing task ended: {e}")))?;
        Ok(Results {
            digest: hex::encode(digest),
            rounds,
        })
    }
}

/// `algorithm` applied `rounds` times: to `text`, then to each raw digest.
fn digest(algorithm: Algorithm, text: &[u8], rounds: u32) -> [u8; 32] {
    let once = |bytes: &[u8]| -> [u8; 32] {
        match algorithm {
            Algorithm::Sha256 => {
                use sha2::Digest;
                sha2::Sha256::digest(bytes).into()
            }
            Algorithm::Blake3 => *blake3::hash(bytes).as_bytes(),
        }
    };
    let mut current = once(text);
    for _ in 1..rounds {
        current = once(&current);
    }
    current
}

#[cfg(test)]
mod tests;
