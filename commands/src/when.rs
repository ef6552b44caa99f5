//! Reading the times people type: ISO dates and times (`2026-12-03 18:00`)
//! and plain phrases (`next tuesday 6pm`, `tomorrow 12:00`, `friday 8pm`),
//! in the room's time zone, with `interim` (British English: 03/12 is the
//! 3rd of December). A command's words are split into the time and what
//! follows it (a title) by taking the longest run of leading words that
//! reads as a time.
//!
//! "tuesday" is the coming Tuesday; "next tuesday", as interim reads
//! British English, is the Tuesday of next week. Because phrases like that
//! are read differently by different people, the understood time is always
//! echoed back unambiguously ([`describe`]): weekday, date, 24-hour time,
//! zone abbreviation and IANA name.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error(
        "I could not read a time in '{0}'. Try 'next tuesday 6pm', 'tomorrow 12:00' or '2026-12-03 18:00'."
    )]
    Unreadable(String),
    #[error("{0} is in the past. Give a time that is still to come.")]
    Past(String),
    #[error("'{0}' does not exist in {1} (the clocks change then). Try an hour later.")]
    Skipped(String, String),
}

/// A time that was read, and how many of the words it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub at: DateTime<Utc>,
    pub words_used: usize,
}

fn iso(text: &str, tz: Tz) -> Option<Result<DateTime<Utc>, WhenError>> {
    let text = text.trim();
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN))
    })?;
    Some(match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // The earlier of two (clocks going back): the first 01:30.
        chrono::LocalResult::Ambiguous(a, _) => Ok(a.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(WhenError::Skipped(text.to_owned(), tz.name().to_owned())),
    })
}

fn one(text: &str, now: DateTime<Utc>, tz: Tz) -> Option<Result<DateTime<Utc>, WhenError>> {
    if let Some(r) = iso(text, tz) {
        return Some(r);
    }
    let local_now = now.with_timezone(&tz);
    // interim 0.2.2 asserts that a word after an hour is lower case and
    // shorter than 16 letters, so `9PM` or `9abcdefghijklmnopq` would panic
    // (found by `scripts/fuzz`; kept in commands/tests/regressions/when).
    // Lower case reads `9PM` as people mean it; no date has a word of 16
    // letters; and should another panic remain, it is an unreadable time,
    // not a crashed bridge.
    let text = text.to_lowercase();
    let longest_word = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_word >= 16 {
        return None;
    }
    std::panic::catch_unwind(|| interim::parse_date_string(&text, local_now, interim::Dialect::Uk))
        .ok()?
        .ok()
        .map(|t| Ok(t.with_timezone(&Utc)))
}

/// The most leading words a time is looked for in.
pub const MAX_WORDS: usize = 12;

/// Reads a time from the start of `words`, in `tz`, relative to `now`; it
/// must be in the future.
///
/// The phrase parser forgives words it does not know at the end, so the
/// time is the shortest run of leading words after which more words no
/// longer change it: in `next tuesday 6pm Planning`, `6pm` changes the time
/// and `Planning` does not, so the title is `Planning`.
pub fn read(words: &[String], now: DateTime<Utc>, tz: Tz) -> Result<Reading, WhenError> {
    // No way of saying a time takes more words; each prefix is parsed, so
    // a long message must not cost a parse per word.
    let scanned = words.len().min(MAX_WORDS);
    let readings: Vec<Option<Result<DateTime<Utc>, WhenError>>> = (1..=scanned)
        .map(|n| one(&words[..n].join(" "), now, tz))
        .collect();
    let Some(longest) = readings.iter().rposition(Option::is_some) else {
        return Err(WhenError::Unreadable(words.join(" ")));
    };
    let mut n = longest;
    while n > 0 && readings[n - 1] == readings[longest] {
        n -= 1;
    }
    let at = readings[n]
        .clone()
        .unwrap_or_else(|| Err(WhenError::Unreadable(words.join(" "))))?;
    if at <= now {
        return Err(WhenError::Past(describe(at, tz)));
    }
    Ok(Reading {
        at,
        words_used: n + 1,
    })
}

/// `Tue 3 Dec 2026, 18:00 GMT (Europe/London)`.
pub fn describe(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} ({})", local.format("%a %-d %b %Y, %H:%M %Z"), tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    /// Saturday 28 November 2026, 10:00 in London (GMT).
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()
    }

    const LONDON: Tz = chrono_tz::Europe::London;

    #[test]
    fn iso_times_in_the_rooms_zone() {
        let r = read(&w("2026-12-03 18:00"), now(), LONDON).unwrap();
        assert_eq!(r.at, Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap());
        assert_eq!(r.words_used, 2);
        // June is British Summer Time: 12:00 there is 11:00 UTC.
        let r = read(&w("2027-06-06T12:00 Second meeting"), now(), LONDON).unwrap();
        assert_eq!(r.at, Utc.with_ymd_and_hms(2027, 6, 6, 11, 0, 0).unwrap());
        assert_eq!(r.words_used, 1);
        let r = read(&w("2026-12-03 18:00"), now(), chrono_tz::America::New_York).unwrap();
        assert_eq!(r.at, Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0).unwrap());
    }

    #[test]
    fn plain_phrases_and_the_title_after_them() {
        let r = read(&w("next tuesday 6pm Planning meeting"), now(), LONDON).unwrap();
        assert_eq!(r.words_used, 3);
        assert_eq!(
            r.at.with_timezone(&LONDON).format("%a %H:%M").to_string(),
            "Tue 18:00"
        );
        let r = read(&w("tomorrow 12:00"), now(), LONDON).unwrap();
        assert_eq!(r.at, Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap());
        let r = read(
            &w("2026-12-03 18:00 Autumn Assembly planning"),
            now(),
            LONDON,
        )
        .unwrap();
        assert_eq!(r.words_used, 2);
        let r = read(&w("friday 8pm"), now(), LONDON).unwrap();
        assert_eq!(r.at, Utc.with_ymd_and_hms(2026, 12, 4, 20, 0, 0).unwrap());
    }

    #[test]
    fn refuses_the_unreadable_the_past_and_the_skipped_hour() {
        assert!(matches!(
            read(&w("whenever suits"), now(), LONDON),
            Err(WhenError::Unreadable(_))
        ));
        assert!(matches!(
            read(&w("2025-06-06 12:00"), now(), LONDON),
            Err(WhenError::Past(_))
        ));
        // Clocks go forward at 01:00 on 28 March 2027 in London.
        assert!(matches!(
            read(&w("2027-03-28 01:30"), now(), LONDON),
            Err(WhenError::Skipped(..))
        ));
        assert!(read(&[], now(), LONDON).is_err());
    }

    #[test]
    fn describes_unambiguously() {
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap();
        assert_eq!(
            describe(at, LONDON),
            "Thu 3 Dec 2026, 18:00 GMT (Europe/London)"
        );
        let summer = Utc.with_ymd_and_hms(2027, 6, 6, 11, 0, 0).unwrap();
        assert_eq!(
            describe(summer, LONDON),
            "Sun 6 Jun 2027, 12:00 BST (Europe/London)"
        );
    }
}
