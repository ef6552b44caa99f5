//! Slugs: unique, lower-case, human-readable names for URLs, generated from
//! a name when none is given and never changed by a rename (links stay
//! valid). A generated slug that is taken gets the first free `-2`, `-3`…
//! suffix; an explicitly requested slug that is taken is an error.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{Db, validate::SLUG_MAX};
use crate::{DomainError, Result};

/// Turns a name into a slug: ASCII lower case, words joined by `-`.
pub fn slugify(name: &str) -> String {
    let mut s = slug::slugify(name);
    if s.len() > SLUG_MAX {
        s.truncate(SLUG_MAX);
        while s.ends_with('-') {
            s.pop();
        }
    }
    s
}

/// Checks a requested slug's form.
pub fn check(field: &str, slug: &str) -> Result<String> {
    let slug = slug.trim();
    let ok = !slug.is_empty()
        && slug.len() <= SLUG_MAX
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if ok {
        Ok(slug.to_owned())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "'{slug}' is not a slug: use lower-case letters, digits and single dashes, at most {SLUG_MAX} characters (e.g. 'co-op-fortnight')"
            ),
        ))
    }
}

/// The slug for a new row of `E`: the requested one if free (an error if
/// taken), else one generated from `name`.
pub async fn assign<E: EntityTrait>(
    db: &impl Db,
    column: E::Column,
    entity: &'static str,
    requested: Option<&str>,
    name: &str,
) -> Result<String> {
    if let Some(requested) = requested {
        let slug = check("slug", requested)?;
        if taken::<E>(db, column, &slug).await? {
            return Err(DomainError::SlugTaken {
                entity,
                field: "slug".into(),
                slug,
            });
        }
        return Ok(slug);
    }
    let mut base = slugify(name);
    if base.is_empty() {
        base = entity.to_owned();
    }
    base.truncate(SLUG_MAX - 4);
    let existing: Vec<String> = E::find()
        .select_only()
        .column(column)
        .filter(column.starts_with(&base))
        .into_tuple()
        .all(db)
        .await?;
    if !existing.contains(&base) {
        return Ok(base);
    }
    let mut n = 2;
    loop {
        let candidate = format!("{base}-{n}");
        if !existing.contains(&candidate) {
            return Ok(candidate);
        }
        n += 1;
    }
}

async fn taken<E: EntityTrait>(db: &impl Db, column: E::Column, slug: &str) -> Result<bool> {
    Ok(E::find().filter(column.eq(slug)).one(db).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_names_from_the_seed() {
        assert_eq!(slugify("Movement Building"), "movement-building");
        assert_eq!(slugify("Co-op Fortnight"), "co-op-fortnight");
        assert_eq!(
            slugify("Co-op Support & Development"),
            "co-op-support-development"
        );
        assert_eq!(
            slugify("Worker Co-op Weekend 2025"),
            "worker-co-op-weekend-2025"
        );
        assert_eq!(
            slugify("Coopératives & Anti-Racism"),
            "cooperatives-anti-racism"
        );
        assert!(slugify(&"word ".repeat(40)).len() <= SLUG_MAX);
    }

    #[test]
    fn check_refuses_malformed_slugs() {
        assert!(check("slug", "autumn-assembly").is_ok());
        for bad in ["", "Autumn", "a--b", "-a", "a-", "a b", "ü"] {
            assert!(check("slug", bad).is_err(), "{bad}");
        }
    }
}
