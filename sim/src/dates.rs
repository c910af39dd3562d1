//! The two date forms the APIs speak: Java's `Date.toString()` in CloudView
//! (`Wed Jan 13 05:17:58 UTC 2021`) and ISO-8601 UTC in QPS (`2021-01-13T05:17:58Z`).

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const JAVA: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
);
const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The current UTC time to the whole second, as the APIs report it.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// `Wed Jan 13 05:17:58 UTC 2021`.
pub fn java(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.format(JAVA).unwrap_or_else(|_| utc.to_string())
}

/// `2021-01-13T05:17:58Z`.
pub fn iso(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.format(ISO).unwrap_or_else(|_| utc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn java_form_matches_the_seed() {
        assert_eq!(
            java(datetime!(2021-01-13 05:17:58 UTC)),
            "Wed Jan 13 05:17:58 UTC 2021"
        );
        assert_eq!(
            java(datetime!(2021-02-03 09:07:08 +2)),
            "Wed Feb 03 07:07:08 UTC 2021"
        );
    }

    #[test]
    fn iso_form() {
        assert_eq!(
            iso(datetime!(2021-01-13 05:17:58 UTC)),
            "2021-01-13T05:17:58Z"
        );
    }

    #[test]
    fn now_has_whole_seconds() {
        assert_eq!(now().nanosecond(), 0);
    }
}
