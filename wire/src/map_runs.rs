//! `GET /local/map-runs/{mapRunId}`: a distributed Map's Map Run, as DescribeMapRun shows it,
//! with one page of its child executions (ListExecutions with its ARN).

use chrono::{DateTime, Utc};
use jobs_asl::ExecutionStatus;
use jobs_domain::job::rfc3339_millis;
use serde::{Deserialize, Serialize};

/// How many children one page of [`MapRunView::children`] holds.
pub const CHILDREN_PER_PAGE: u64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapRunView {
    pub map_run_arn: String,
    /// The last part of the ARN, which the route takes.
    pub map_run_id: String,
    /// The execution whose Map state started it.
    pub execution_arn: String,
    pub execution_name: String,
    pub state_name: String,
    /// RUNNING, SUCCEEDED, FAILED or ABORTED.
    pub status: ExecutionStatus,
    #[serde(with = "rfc3339_millis")]
    pub start_date: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rfc3339_millis::option"
    )]
    pub stop_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// 0: no limit.
    pub max_concurrency: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_count: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage: Option<f64>,
    pub execution_counts: ChildCounts,
    /// The page shown, from 1, of `pages`.
    pub page: u64,
    pub pages: u64,
    pub children: Vec<ChildView>,
}

/// The run's children by status. `total` is unknown (`None`) until its items are read;
/// `pending` children have not started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildCounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub aborted: u64,
}

/// One child execution, as ListExecutions shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildView {
    pub execution_arn: String,
    pub name: String,
    /// Its item's (or batch's) index.
    pub item: u64,
    pub status: ExecutionStatus,
    #[serde(with = "rfc3339_millis")]
    pub start_date: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rfc3339_millis::option"
    )]
    pub stop_date: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_back_what_it_writes() {
        let view: MapRunView = serde_json::from_value(json!({
            "mapRunArn": "arn:aws:states:us-east-1:000000000000:mapRun:m/l:r",
            "mapRunId": "r",
            "executionArn": "arn:aws:states:us-east-1:000000000000:execution:m:p",
            "executionName": "p", "stateName": "Rows", "status": "RUNNING",
            "startDate": "2026-12-06T12:00:00.000Z", "maxConcurrency": 0,
            "executionCounts": {"pending": 1, "running": 1, "succeeded": 0, "failed": 0,
                                "timedOut": 0, "aborted": 0, "total": 2},
            "page": 1, "pages": 1,
            "children": [{"executionArn": "arn:c", "name": "c", "item": 0,
                          "status": "RUNNING", "startDate": "2026-12-06T12:00:01.000Z"}]
        }))
        .unwrap();
        assert_eq!(view.execution_counts.total, Some(2));
        assert_eq!(view.children[0].stop_date, None);
        let back = serde_json::to_value(&view).unwrap();
        assert!(back.get("stopDate").is_none() && back.get("error").is_none());
        assert_eq!(serde_json::from_value::<MapRunView>(back).unwrap(), view);
    }
}
