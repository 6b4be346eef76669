//! The names of the sparse index of unfinished jobs, which the writes of
//! `dynamodb.rs` keep and the sweep's queries read.
//!
//! Its partition key is one hex digit of the job id, so its writes spread
//! over 16 partitions.

use aws_sdk_dynamodb::types::AttributeValue;
use jobs_domain::id::JobId;

/// The sparse global secondary index: `unfinishedShard` (S) and `updatedAt` (S).
pub const UNFINISHED_INDEX: &str = "unfinished";
pub const SHARD_ATTRIBUTE: &str = "unfinishedShard";
pub(super) const SHARDS: &[u8; 16] = b"0123456789abcdef";

/// A job's partition in the index: the first digit of its (lower-case) id.
pub(super) fn shard(id: &JobId) -> AttributeValue {
    AttributeValue::S(id.to_string()[..1].to_owned())
}
