//! Times given on the command line: `--from 2h` reads better than a
//! timestamp when looking at what failed recently.

use chrono::{DateTime, Duration, Utc};

/// Parses `now`, an RFC 3339 time (`2026-11-25T12:00:00Z`), or a duration
/// ago: `90s`, `15m`, `2h`, `7d`.
pub(crate) fn parse_when(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let ago = text
        .strip_suffix(" ago")
        .unwrap_or(text)
        .trim_start_matches('-');
    let split = ago.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = ago.split_at(split);
    let amount: i64 = number.parse().map_err(|_| invalid(text))?;
    let span = match unit {
        "s" => Duration::try_seconds(amount),
        "m" => Duration::try_minutes(amount),
        "h" => Duration::try_hours(amount),
        "d" => Duration::try_days(amount),
        _ => None,
    }
    .ok_or_else(|| invalid(text))?;
    now.checked_sub_signed(span).ok_or_else(|| invalid(text))
}

fn invalid(text: &str) -> String {
    format!(
        "{text:?} is not a time: use `now`, an RFC 3339 time like 2026-11-25T12:00:00Z, \
         or a duration ago like 90s, 15m, 2h, 7d"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reads_absolute_relative_and_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(parse_when("now", now).unwrap(), now);
        assert_eq!(
            parse_when("2026-11-25T10:30:00+01:00", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
        );
        assert_eq!(parse_when("90s", now).unwrap(), now - Duration::seconds(90));
        assert_eq!(parse_when("15m", now).unwrap(), now - Duration::minutes(15));
        assert_eq!(parse_when("-2h", now).unwrap(), now - Duration::hours(2));
        assert_eq!(parse_when("7d ago", now).unwrap(), now - Duration::days(7));
    }

    #[test]
    fn rejects_what_it_cannot_read_and_says_what_it_takes() {
        let now = Utc::now();
        for bad in [
            "",
            "h",
            "2w",
            "yesterday",
            "2026-11-25",
            "1.5h",
            "99999999999999d",
            "2µ",
        ] {
            let err = parse_when(bad, now).unwrap_err();
            assert!(err.contains("RFC 3339"), "{bad}: {err}");
        }
    }
}
