//! Input validation shared by every use case: text lengths, e-mail
//! addresses, links, time zones, slugs and short lists. Each check names the
//! field it refused and says what a valid value looks like.

use crate::{DomainError, Result};

/// Longest name or title.
pub const NAME_MAX: usize = 200;
/// Longest free text (purpose, goal, notes, agenda items).
pub const TEXT_MAX: usize = 10_000;
/// Longest slug.
pub const SLUG_MAX: usize = 80;
/// Longest link.
pub const URL_MAX: usize = 2_000;
/// Most entries in a list field (domains, tags).
pub const LIST_MAX: usize = 50;

/// A required line of text: trimmed, not empty, at most `max` characters, no
/// control characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    bounded(field, value, max)
}

/// Free text that may be empty, at most `max` characters.
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    let len = value.chars().count();
    if len > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} is {len} characters long; the most allowed is {max}"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(DomainError::invalid(
            field,
            format!("{field} contains control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional line of text: blank becomes `None`.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

/// An `http` or `https` link.
pub fn url(field: &str, value: &str) -> Result<String> {
    let value = required(field, value, URL_MAX)?;
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| {
            DomainError::invalid(
                field,
                format!("{field} must start with https:// or http://"),
            )
        })?;
    if rest.is_empty() || rest.starts_with('/') || value.chars().any(char::is_whitespace) {
        return Err(DomainError::invalid(
            field,
            format!("{field} is not a valid link"),
        ));
    }
    Ok(value)
}

/// A plausible e-mail address (one `@`, a dot in the domain, no spaces).
pub fn email(field: &str, value: &str) -> Result<String> {
    let value = required(field, value, 254)?;
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!("{field} '{value}' is not an e-mail address like name@example.org"),
        ))
    }
}

/// A Matrix user id like `@name:server`.
pub fn matrix_user_id(field: &str, value: &str) -> Result<String> {
    let value = required(field, value, 255)?;
    let ok = value.starts_with('@')
        && value[1..]
            .split_once(':')
            .is_some_and(|(local, server)| !local.is_empty() && !server.is_empty())
        && !value.chars().any(char::is_whitespace);
    if ok {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!("{field} '{value}' is not a Matrix user id like @name:example.org"),
        ))
    }
}

/// An IANA time zone name such as `Europe/London`.
pub fn time_zone(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            DomainError::invalid(
                field,
                format!("'{value}' is not an IANA time zone such as Europe/London"),
            )
        })
}

/// A list of short labels: each trimmed, non-empty, unique, at most
/// [`NAME_MAX`] characters, at most [`LIST_MAX`] of them.
pub fn labels(field: &str, values: &[String]) -> Result<Vec<String>> {
    if values.len() > LIST_MAX {
        return Err(DomainError::invalid(
            field,
            format!(
                "{field} has {} entries; the most allowed is {LIST_MAX}",
                values.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let v = required(field, v, NAME_MAX)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// A whole number in `min..=max`.
pub fn range(field: &str, value: i32, min: i32, max: i32) -> Result<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!("{field} must be between {min} and {max}, not {value}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_trims_and_refuses_blank_and_long() {
        assert_eq!(
            required("name", "  Co-op Fortnight ", 10_000).unwrap(),
            "Co-op Fortnight"
        );
        assert_eq!(
            required("name", "   ", 10).unwrap_err().code().as_str(),
            "INVALID_INPUT"
        );
        let err = required("name", &"x".repeat(201), NAME_MAX).unwrap_err();
        assert!(err.to_string().contains("201 characters"), "{err}");
        assert!(required("name", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn emails_links_zones_and_matrix_ids() {
        assert!(email("email", "sam@coops.example").is_ok());
        for bad in [
            "sam",
            "sam@",
            "@x.org",
            "sam@localhost",
            "s am@x.org",
            "a@b@c.org",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(url("url", "https://example.org/x").is_ok());
        assert!(url("url", "javascript:alert(1)").is_err());
        assert!(url("url", "https://").is_err());
        assert_eq!(time_zone("tz", "Europe/London").unwrap(), "Europe/London");
        assert!(time_zone("tz", "Mars/Olympus").is_err());
        assert!(matrix_user_id("m", "@sam:example.org").is_ok());
        assert!(matrix_user_id("m", "sam").is_err());
    }

    #[test]
    fn labels_dedupe_and_limit() {
        let v = labels("domains", &["a".into(), " a ".into(), "b".into()]).unwrap();
        assert_eq!(v, vec!["a", "b"]);
        assert!(labels("domains", &vec!["x".to_string(); 51]).is_err());
        assert!(labels("domains", &[String::new()]).is_err());
    }
}
