//! The `JobStore` contract: what every job store (memory, SQLite, DynamoDB)
//! must do, as plain async functions over a [`Subject`]. An adapter's tests
//! run all of them, under the same names, with one macro call:
//!
//! ```ignore
//! mod contract {
//!     async fn subject() -> jobs_domain::testing::contract::Subject { /* a fresh, empty store */ }
//!     jobs_domain::job_store_contract!(subject());
//! }
//! ```
//!
//! Attributes after the subject (`job_store_contract!(subject(), #[ignore = "needs
//! a server"])`) are put on every generated test. Each test gets a fresh store
//! of its own.

mod records;
mod subject;
mod sweep;
mod transitions;
mod writers;

pub use records::*;
pub use subject::Subject;
pub use sweep::*;
pub use transitions::*;
pub use writers::*;

/// Stamps out one `#[tokio::test]` per contract function. `$subject` is an
/// expression giving a future of a fresh [`Subject`]; attributes may follow.
#[macro_export]
macro_rules! job_store_contract {
    ($subject:expr $(, #[$attr:meta])* $(,)?) => {
        $crate::job_store_contract!(@each [$(#[$attr])*] $subject;
            create_then_get_reads_back_what_was_written,
            timestamps_are_kept_to_the_millisecond,
            results_and_error_read_back_as_written,
            the_jobs_own_documents_read_back,
            create_of_an_existing_id_is_refused_and_changes_nothing,
            a_taken_idempotency_key_returns_its_record_and_writes_nothing,
            an_idempotency_key_is_free_again_once_it_expires,
            a_released_key_is_free_again_but_only_for_its_own_job,
            every_transition_the_rules_allow_is_applied,
            every_transition_the_rules_refuse_changes_nothing,
            a_transition_of_a_missing_job_is_refused_and_creates_nothing,
            success_is_never_overwritten,
            only_a_replay_takes_a_failure_back_to_running,
            a_job_moved_to_running_sheds_its_error_and_results,
            duplicate_executions_are_harmless,
            a_stale_writer_cannot_move_a_job_backwards,
            racing_final_writes_have_exactly_one_winner,
            unfinished_jobs_written_by_the_cutoff_are_found_oldest_first,
            a_redrive_is_counted_once_per_claim_and_restarts_the_clock,
            a_stale_job_given_up_is_a_failure_with_its_error,
            claims_are_refused_for_finished_fresh_or_missing_jobs,
            overlapping_sweeps_claim_a_job_once,
        );
    };
    // One test at a time: the attributes repeat per test, not per name.
    (@each [$($attr:tt)*] $subject:expr; $name:ident, $($rest:ident,)*) => {
        #[::tokio::test]
        $($attr)*
        async fn $name() {
            let subject = $subject.await;
            $crate::testing::contract::$name(&subject).await;
        }
        $crate::job_store_contract!(@each [$($attr)*] $subject; $($rest,)*);
    };
    (@each [$($attr:tt)*] $subject:expr;) => {};
}
