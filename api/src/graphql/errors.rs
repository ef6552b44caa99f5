//! Translating domain errors for GraphQL, using the one code table in
//! `entities::ErrorCode::TABLE`: expected failures become `userErrors`
//! entries on the mutation's payload; the others become GraphQL errors with
//! `extensions.code`. A database error is logged here and shown only as
//! `INTERNAL`: its text would leak SQL.

use async_graphql::{ErrorExtensions, SimpleObject};
use entities::DomainError;

/// An expected failure of a mutation, for the user to fix.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// The path to the input field at fault, e.g. `["input", "name"]`.
    pub field: Option<Vec<String>>,
    /// What is wrong and what to do, in plain words.
    pub message: String,
    /// A stable code, e.g. `INVALID_INPUT`, `NOT_FOUND`, `SLUG_TAKEN`.
    pub code: String,
}

/// `snake_case` to `camelCase`.
pub fn camel(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl From<&DomainError> for UserError {
    fn from(e: &DomainError) -> Self {
        Self {
            field: e.field().map(|f| vec!["input".to_owned(), camel(f)]),
            message: e.public_message(),
            code: e.code().as_str().to_owned(),
        }
    }
}

/// A request-level GraphQL error with `extensions.code`.
pub fn to_graphql(e: &DomainError) -> async_graphql::Error {
    if let DomainError::Database(db) = e {
        tracing::error!(error = %db, "database error");
    }
    let code = e.code().as_str();
    async_graphql::Error::new(e.public_message()).extend_with(|_, ext| ext.set("code", code))
}

/// An error for a query field: all domain errors are request errors there.
/// Takes the error by value to serve as a `map_err` argument.
#[allow(clippy::needless_pass_by_value)]
pub fn query_error(e: DomainError) -> async_graphql::Error {
    to_graphql(&e)
}

/// What a mutation resolver does with a use case's result: the object, or a
/// `userErrors` entry, or a GraphQL error for what the user cannot fix.
pub fn outcome<T>(r: Result<T, DomainError>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match r {
        Ok(v) => Ok((Some(v), Vec::new())),
        Err(e) if e.code().info().user_error => Ok((None, vec![UserError::from(&e)])),
        Err(e) => Err(to_graphql(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_cases_field_names() {
        assert_eq!(camel("group_id"), "groupId");
        assert_eq!(camel("name"), "name");
        assert_eq!(camel("contact_member_id"), "contactMemberId");
    }
}
