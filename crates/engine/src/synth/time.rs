//! ISO-8601 UTC formatting without a date crate: civil dates from day counts.

use std::time::{SystemTime, UNIX_EPOCH};

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01, in the
/// proleptic Gregorian calendar. Works in 400-year eras of 146097 days,
/// with years starting on 1 March so the leap day is the era-year's last.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from 1 March
    let mp = (5 * doy + 2) / 153; // month from March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch, as
/// JavaScript's `Date.prototype.toISOString` writes it.
pub fn iso_from_unix_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// The current time as ISO-8601 UTC with milliseconds (for `trainedAt`).
pub fn now_iso() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    iso_from_unix_ms(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso_from_unix_ms(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day of a century leap year) 12:34:56.789.
        assert_eq!(
            iso_from_unix_ms(951_827_696_789),
            "2000-02-29T12:34:56.789Z"
        );
        assert_eq!(
            iso_from_unix_ms(1_760_908_716_456),
            "2025-10-19T21:18:36.456Z"
        );
        assert_eq!(iso_from_unix_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        assert!(now_iso().starts_with("20"));
    }
}
