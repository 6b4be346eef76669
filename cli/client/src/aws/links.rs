//! Links to an execution's page in the Step Functions console. The page
//! differs by workflow type: a STANDARD execution's ARN
//! (`arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME`) opens its details
//! page; an EXPRESS one (`...:express:MACHINE:NAME:RUN`) has no history in
//! Step Functions, and its page reads the logs from the start date on.

use chrono::{DateTime, Utc};

/// The console page of the execution `arn`, which started at `started`;
/// `None` when `arn` is not a Step Functions execution ARN.
pub(crate) fn execution(arn: &str, started: DateTime<Utc>) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 8 || parts[0] != "arn" || parts[2] != "states" || parts[3].is_empty() {
        return None;
    }
    let region = parts[3];
    let home = format!("https://{region}.console.aws.amazon.com/states/home?region={region}");
    match parts[5] {
        "execution" => Some(format!("{home}#/v2/executions/details/{arn}")),
        "express" => Some(format!(
            "{home}#/express-executions/details/{arn}?startDate={}",
            started.timestamp_millis()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_gets_its_own_page_and_anything_else_none() {
        let at = DateTime::from_timestamp_millis(1_795_608_000_123).unwrap();
        assert_eq!(
            execution("arn:aws:states:eu-west-1:1:execution:M:job-1", at).as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1\
                 #/v2/executions/details/arn:aws:states:eu-west-1:1:execution:M:job-1"
            )
        );
        assert_eq!(
            execution("arn:aws:states:us-east-1:1:express:M:job-1:run", at).as_deref(),
            Some(
                "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1\
                 #/express-executions/details/arn:aws:states:us-east-1:1:express:M:job-1:run\
                 ?startDate=1795608000123"
            )
        );
        assert_eq!(
            execution("arn:aws:states:us-east-1:1:stateMachine:M", at),
            None
        );
        assert_eq!(
            execution("arn:aws:lambda:us-east-1:1:function:f:x", at),
            None
        );
        assert_eq!(execution("job-1", at), None);
    }
}
