//! A Map Run as `/local/map-runs/{id}` and the console show it: its record, its children
//! counted by status, and one page of them in item order.

use jobs_domain::ports::StoreError;
use jobs_wire::map_runs::CHILDREN_PER_PAGE;
use jobs_wire::{ChildCounts, ChildView, MapRunView};

use super::{ExecutionStore, MapRunStore};

impl MapRunStore {
    /// The run with this id and its `page`th page of children (from 1; a page past the last
    /// shows the last); `None` if there is no such run.
    pub(crate) async fn view(
        &self,
        executions: &ExecutionStore,
        id: &str,
        page: u64,
    ) -> Result<Option<MapRunView>, StoreError> {
        let Some(run) = self.by_id(id).await? else {
            return Ok(None);
        };
        let parent = executions.by_seq(run.execution).await?;
        let counts = self.counts(&run.arn).await?;
        let started = counts.started() as u64;
        let total = run.total.map(|t| t as u64);
        // Children are recorded as they start; before the items are read, every one is.
        let listed = total.unwrap_or(started).max(started);
        let pages = listed.div_ceil(CHILDREN_PER_PAGE).max(1);
        let page = page.clamp(1, pages);
        let children = self
            .children(
                &run.arn,
                ((page - 1) * CHILDREN_PER_PAGE) as i64,
                CHILDREN_PER_PAGE as i64,
            )
            .await?
            .into_iter()
            .map(|c| ChildView {
                item: c.map_run.as_ref().map_or(0, |m| m.item as u64),
                execution_arn: c.arn,
                name: c.name,
                status: c.status,
                start_date: c.start_date,
                stop_date: c.stop_date,
            })
            .collect();
        let (execution_arn, execution_name) = match parent {
            Some(p) => (p.arn, p.name),
            None => (String::new(), String::new()),
        };
        Ok(Some(MapRunView {
            map_run_arn: run.arn,
            map_run_id: run.id,
            execution_arn,
            execution_name,
            state_name: run.state_name,
            status: run.status,
            start_date: run.start_date,
            stop_date: run.stop_date,
            error: run.error,
            cause: run.cause,
            max_concurrency: run.max_concurrency as u64,
            tolerated_failure_count: run.tolerated_failure_count,
            tolerated_failure_percentage: run.tolerated_failure_percentage,
            execution_counts: ChildCounts {
                total,
                pending: total.map_or(0, |t| t.saturating_sub(started)),
                running: counts.running as u64,
                succeeded: counts.succeeded as u64,
                failed: counts.failed as u64,
                timed_out: counts.timed_out as u64,
                aborted: counts.aborted as u64,
            },
            page,
            pages,
            children,
        }))
    }
}
