//! Objects whose fields are all plain values, resolved without a future per
//! field.
//!
//! async-graphql resolves every field of an object through a boxed future
//! (and, unless the object is `serial`, a `FuturesUnordered`): about 1,200
//! instructions a field before its value exists. For a small object of
//! numbers that a page holds a thousand of — a meeting's RSVP counts — that
//! was most of its cost. [`resolve`] walks the selection set itself and
//! builds the object's value in one pass; anything it does not know (a
//! directive, a field it has no value for, a fragment on another type)
//! makes it step aside, and the caller then takes async-graphql's own path,
//! which answers (or reports) it as before. The schema is the derived
//! object's: a wrapper here only changes how its value is built.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::{ContextSelectionSet, Name, Value};

/// The value of the object of type `type_name` for the selection set in
/// `ctx`, taking each field's value from `value`; `None` when the selection
/// holds anything [`resolve`] does not handle.
pub fn resolve(
    ctx: &ContextSelectionSet<'_>,
    type_name: &str,
    value: impl Fn(&str) -> Option<Value>,
) -> Option<Value> {
    let mut fields = IndexMap::new();
    fill(ctx, &ctx.item.node, type_name, &value, &mut fields)?;
    // As async-graphql answers an object left with no field (all skipped).
    Some(if fields.is_empty() {
        Value::Null
    } else {
        Value::Object(fields)
    })
}

fn fill(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    type_name: &str,
    value: &impl Fn(&str) -> Option<Value>,
    fields: &mut IndexMap<Name, Value>,
) -> Option<()> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                if !field.directives.is_empty() || !field.arguments.is_empty() {
                    return None;
                }
                let name = field.name.node.as_str();
                let v = if name == "__typename" {
                    Value::String(type_name.to_owned())
                } else {
                    value(name)?
                };
                fields.insert(field.response_key().node.clone(), v);
            }
            Selection::InlineFragment(fragment) => {
                let fragment = &fragment.node;
                if !fragment.directives.is_empty()
                    || fragment
                        .type_condition
                        .as_ref()
                        .is_some_and(|c| c.node.on.node != type_name)
                {
                    return None;
                }
                fill(ctx, &fragment.selection_set.node, type_name, value, fields)?;
            }
            Selection::FragmentSpread(spread) => {
                if !spread.node.directives.is_empty() {
                    return None;
                }
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                if fragment.node.type_condition.node.on.node != type_name {
                    return None;
                }
                fill(
                    ctx,
                    &fragment.node.selection_set.node,
                    type_name,
                    value,
                    fields,
                )?;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use crate::graphql::types::{FastRsvpCounts, RsvpCounts};

    struct Query;

    const COUNTS: RsvpCounts = RsvpCounts {
        yes: 3,
        no: 1,
        maybe: 2,
    };

    #[Object]
    impl Query {
        /// Built in one pass.
        async fn fast(&self) -> FastRsvpCounts {
            FastRsvpCounts(COUNTS)
        }
        /// Built by async-graphql, field by field.
        async fn derived(&self) -> RsvpCounts {
            COUNTS
        }
    }

    /// Every way a query can select the fields gives what async-graphql's
    /// own path gives, in the same order.
    #[tokio::test]
    async fn one_pass_matches_field_by_field() {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        for selection in [
            "yes no maybe",
            "maybe yes",
            "a: yes b: yes yes",
            "__typename no",
            "yes ... on RsvpCounts { no } ... { maybe }",
            "...F",
            "no ...F yes",
            "yes @include(if: $on) no @skip(if: $on) maybe",
            "... @include(if: $on) { no }",
        ] {
            // (A query may declare only the variables and fragments it uses.)
            let variables = if selection.contains("$on") {
                "($on: Boolean = true)"
            } else {
                ""
            };
            let fragment = if selection.contains("...F") {
                "fragment F on RsvpCounts { maybe __typename }"
            } else {
                ""
            };
            let query = format!(
                "query{variables} {{ fast {{ {selection} }} derived {{ {selection} }} }} {fragment}"
            );
            let resp = schema.execute(query.as_str()).await;
            assert!(resp.errors.is_empty(), "{selection}: {:?}", resp.errors);
            let data = resp.data.into_json().unwrap();
            assert_eq!(
                data["fast"].to_string(),
                data["derived"].to_string(),
                "{selection}"
            );
        }
    }
}
