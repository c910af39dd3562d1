//! The date forms the APIs speak: Java's `Date.toString()` in CloudView, in GMT as a 2026 EU2
//! response shows (`Fri Jan 30 06:29:04 GMT 2026`, EVIDENCE 4; seed 000 printed `UTC` from an
//! older server), ISO-8601 UTC in QPS (`2021-01-13T05:17:58Z`), and epoch milliseconds in
//! CloudView error bodies (EVIDENCE 1).

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const JAVA: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] GMT [year]"
);
const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The current UTC time to the whole second, as the APIs report it.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// `Wed Jan 13 05:17:58 GMT 2021`.
pub fn java(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    utc.format(JAVA).unwrap_or_else(|_| utc.to_string())
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
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
            "Wed Jan 13 05:17:58 GMT 2021"
        );
        assert_eq!(
            java(datetime!(2021-02-03 09:07:08 +2)),
            "Wed Feb 03 07:07:08 GMT 2021"
        );
        assert_eq!(
            java(datetime!(2026-01-30 06:29:04 UTC)),
            "Fri Jan 30 06:29:04 GMT 2026"
        );
    }

    #[test]
    fn epoch_millis_of_a_known_date() {
        assert_eq!(
            epoch_millis(datetime!(2021-01-13 05:17:58.5 UTC)),
            1_610_515_078_500
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
