//! Calendar dates in the two forms retry hints use: HTTP-dates (`retry-after`) and RFC 3339
//! timestamps (`anthropic-ratelimit-*-reset`), read into milliseconds since the Unix epoch.
//!
//! Hand-rolled and strict about ranges; anything malformed is `None`. Not a general date library:
//! no time zones beyond UTC/GMT and numeric offsets.

/// Days from 1970-01-01 to the given proleptic Gregorian date (the well-known "days from civil"
/// computation, counting years from March so the leap day comes last).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Milliseconds since the epoch for a UTC date and time; `None` when out of range or before 1970.
fn epoch_ms(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
) -> Option<u64> {
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    u64::try_from(seconds)
        .ok()?
        .checked_mul(1000)?
        .checked_add(u64::from(millis))
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == lower)
        .map(|i| i as u32 + 1)
}

fn time_of_day(token: &str) -> Option<(u32, u32, u32)> {
    let mut parts = token.split(':');
    let hour = parts.next()?.parse().ok()?;
    let minute = parts.next()?.parse().ok()?;
    let second = parts.next().unwrap_or("0").parse().ok()?;
    parts.next().is_none().then_some((hour, minute, second))
}

/// An HTTP-date in any of the three forms RFC 9110 allows (IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, asctime
/// `Sun Nov  6 08:49:37 1994`), as ms since the epoch.
pub(crate) fn http_date_ms(value: &str) -> Option<u64> {
    if value.len() > 64 {
        return None;
    }
    let mut month = None;
    let mut time = None;
    let mut numbers: Vec<&str> = Vec::new();
    for token in value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        if token.contains(':') {
            time = Some(time_of_day(token)?);
            continue;
        }
        for part in token.split('-') {
            if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
                numbers.push(part);
            } else if let Some(m) =
                month_number(part).filter(|_| part.len() == 3 && month.is_none())
            {
                month = Some(m);
            } else if !matches!(
                part.to_ascii_uppercase().as_str(),
                "GMT" | "UTC" | "Z" | "+0000"
            ) && !is_weekday(part)
            {
                return None;
            }
        }
    }
    let (hour, minute, second) = time?;
    let month = month?;
    let (day, year) = match numbers.as_slice() {
        [a, b] if a.len() <= 2 && b.len() == 4 => (a.parse().ok()?, b.parse().ok()?),
        [a, b] if a.len() <= 2 && b.len() == 2 => {
            let short: i64 = b.parse().ok()?;
            (
                a.parse().ok()?,
                if short >= 50 {
                    1900 + short
                } else {
                    2000 + short
                },
            )
        }
        _ => return None,
    };
    epoch_ms(year, month, day, hour, minute, second, 0)
}

fn is_weekday(token: &str) -> bool {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    token.is_ascii() && token.len() >= 3 && DAYS.contains(&token[..3].to_ascii_lowercase().as_str())
}

/// An RFC 3339 timestamp (`2024-06-17T12:34:56Z`, `…56.789+02:00`) as ms since the epoch.
pub(crate) fn rfc3339_ms(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.len() > 64 || !value.is_ascii() {
        return None;
    }
    let (date, rest) = value.split_once(['T', 't', ' '])?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    if date_parts.next().is_some() {
        return None;
    }
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let (hour, minute, second) = time_of_day(clock)?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: u32 = format!("{:0<3}", &fraction[..fraction.len().min(3)])
        .parse()
        .ok()?;
    let utc = epoch_ms(year, month, day, hour, minute, second, millis)?;
    let offset_minutes: i64 = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..]
                .split_once(':')
                .unwrap_or((zone.get(1..3)?, zone.get(3..)?));
            let h: i64 = h.parse().ok()?;
            let m: i64 = m.parse().ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
    };
    let utc = i64::try_from(utc).ok()? - offset_minutes * 60_000;
    u64::try_from(utc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: u64 = 784_111_777_000;

    #[test]
    fn the_three_http_date_forms() {
        assert_eq!(
            http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(NOV_6_1994)
        );
        assert_eq!(
            http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(NOV_6_1994)
        );
        assert_eq!(http_date_ms("Sun Nov  6 08:49:37 1994"), Some(NOV_6_1994));
    }

    #[test]
    fn malformed_http_dates_are_rejected() {
        for bad in [
            "",
            "soon",
            "Sun, 31 Feb 2024 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "06 Foo 1994 08:49:37 GMT",
            "1e9",
        ] {
            assert_eq!(http_date_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        assert_eq!(rfc3339_ms("1994-11-06T08:49:37Z"), Some(NOV_6_1994));
        assert_eq!(
            rfc3339_ms("1994-11-06T09:49:37.5+01:00"),
            Some(NOV_6_1994 + 500)
        );
        assert_eq!(rfc3339_ms("1994-11-06T08:49:37"), Some(NOV_6_1994));
        assert_eq!(rfc3339_ms("1994-13-06T08:49:37Z"), None);
        assert_eq!(rfc3339_ms("nonsense"), None);
    }

    #[test]
    fn leap_years() {
        assert!(epoch_ms(2024, 2, 29, 0, 0, 0, 0).is_some());
        assert!(epoch_ms(2023, 2, 29, 0, 0, 0, 0).is_none());
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
