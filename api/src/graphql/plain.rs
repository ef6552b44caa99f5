//! Objects resolved without a future per field.
//!
//! async-graphql resolves every field of an object through a boxed future
//! (and, unless the object is `serial`, a `FuturesUnordered`): about 1,200
//! instructions a field before its value exists, some 6,000 an object. For
//! the objects a page holds a thousand of — a meeting, its RSVP counts, the
//! member who answered — that was most of their cost. [`Fast`] wraps a
//! derived object and calls its own field resolvers: in one pass, each
//! polled once (`now_or_never`), the fields the object says resolve
//! [`Now`] (no loader, no database); then the fields that wait, one after
//! another — any number on a serial object, as async-graphql would, one at
//! most on a parallel one, so that a parallel object's relations still load
//! side by side. The answer is the derived object's by construction: the
//! same resolvers run. Anything else (a custom directive, a fragment on
//! another type or an interface, two waiting fields on a parallel object)
//! makes it step aside to async-graphql's own path, which then answers or
//! reports it as before. (Schema extensions' `resolve` hooks do not see
//! the fields it resolves; the schema has none.)
//!
//! The schema is the derived object's: a wrapper here only changes how its
//! value is built.
//!
//! A list of such objects ([`FastList`], the `nodes` of a page of them) is
//! resolved the same way one level up: async-graphql gives every item of a
//! list a future; here each item is begun in place ([`begin`]) and only the
//! items with a field that waits get one ([`finish`]), all awaited together
//! so that their loaders still batch.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{
    ContextSelectionSet, Name, ObjectType, OutputType, Positioned, ServerResult, Value,
};
use futures::FutureExt;
use futures::future::try_join_all;

/// Calls `on_field` for every field of `set` on an object of `type_name`,
/// in order, through inline fragments and fragment spreads on that type;
/// `None` (and no further call) on a directive, a fragment on another
/// type, or when `on_field` says `None`.
fn each_field<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    type_name: &str,
    on_field: &mut impl FnMut(&'a Positioned<Field>) -> Option<()>,
) -> Option<()> {
    for selection in &set.items {
        let inner = match &selection.node {
            Selection::Field(field) => {
                if !field.node.directives.is_empty() {
                    return None;
                }
                on_field(field)?;
                continue;
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
                &fragment.selection_set.node
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
                &fragment.node.selection_set.node
            }
        };
        each_field(ctx, inner, type_name, on_field)?;
    }
    Some(())
}

/// An object that can say which of its fields resolve without waiting.
pub trait Now {
    /// Whether async-graphql resolves the object's fields one after another
    /// (`#[Object(serial)]`): then [`Fast`] may wait on any number of them,
    /// in order, as async-graphql would; otherwise on one at most.
    const SERIAL: bool;

    /// Whether the field `name` (as the schema spells it) resolves at its
    /// first poll: it reads only the object itself, never a loader or the
    /// database. A field listed here that waits is a bug: debug builds
    /// panic on it, release builds fall back to async-graphql's path.
    fn now(&self, name: &str) -> bool;
}

/// A derived object resolved by [`resolve_fast`] where it can, by
/// async-graphql's own path otherwise.
pub struct Fast<T>(pub T);

impl<T: ObjectType + Now + Sync> OutputType for Fast<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match resolve_fast(ctx, &self.0).await {
            Some(v) => Ok(v),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// The value of `obj` for the selection set in `ctx`: the fields that
/// resolve [`Now`] in one pass, each polled once, then those that wait, one
/// after another — one at most unless the object is serial. `None`, before
/// anything has waited, when the selection holds anything this does not
/// handle. A field that fails is reported on `ctx` and left out, as
/// async-graphql does. Keys come in the order they were asked for (as the
/// GraphQL spec wants; async-graphql's parallel path puts a field that
/// waited after the others).
pub async fn resolve_fast<T: ContainerType + Now>(
    ctx: &ContextSelectionSet<'_>,
    obj: &T,
) -> Option<Value> {
    match begin(ctx, obj)? {
        Ok(value) => Some(value),
        // Boxed: the object's field resolvers as one future are the largest
        // state here (most of the 2 KB this future took for an RSVP), and a
        // list of objects holds one of these futures per item, moved into
        // place a few times over (`tests::a_one_pass_future_stays_small`).
        Err(rest) => Some(Box::pin(finish(ctx, obj, rest)).await),
    }
}

/// What [`begin`] left for [`finish`]: the fields resolved so far and
/// those that wait, with their response keys, in order, and whether the
/// key's place in `fields` (a null, for now) was taken for them.
struct Rest<'a> {
    fields: IndexMap<Name, Value>,
    waiting: Vec<(Name, &'a Positioned<Field>, bool)>,
}

/// The first, synchronous half of [`resolve_fast`]: the object's value
/// when no selected field waits (`Ok`), or what is left to wait on
/// (`Err`); `None` when the selection holds anything the one pass does not
/// handle. Nothing has waited yet either way.
fn begin<'a, T: ContainerType + Now>(
    ctx: &ContextSelectionSet<'a>,
    obj: &T,
) -> Option<Result<Value, Rest<'a>>> {
    // (An extension's `resolve` hook would not see these fields: the schema
    // has none, `graphql::build`; ARCHITECTURE.md.)
    let mut fields = IndexMap::with_capacity(ctx.item.node.items.len());
    let mut waiting = Vec::new();
    fill_now(ctx, obj, &mut fields, &mut waiting)?;
    if waiting.is_empty() {
        return Some(Ok(object(fields)));
    }
    if waiting.len() > 1 && !T::SERIAL {
        return None;
    }
    Some(Err(Rest { fields, waiting }))
}

/// The second half of [`resolve_fast`]: waits on the fields [`begin`] left,
/// one after another, and gives the object's value.
async fn finish<T: ContainerType + Now>(
    ctx: &ContextSelectionSet<'_>,
    obj: &T,
    rest: Rest<'_>,
) -> Value {
    let Rest {
        mut fields,
        waiting,
    } = rest;
    // Keys still holding the place of a field to come.
    let mut places: Vec<Name> = waiting
        .iter()
        .filter(|(_, _, place)| *place)
        .map(|(key, _, _)| key.clone())
        .collect();
    for (key, field, _) in waiting {
        match obj.resolve_field(&ctx.with_field(field)).await {
            Ok(v) => {
                let v = v.unwrap_or_default();
                if let Some(i) = places.iter().position(|p| *p == key) {
                    places.swap_remove(i);
                    fields.insert(key, v);
                } else {
                    insert_value(&mut fields, key, v);
                }
            }
            Err(e) => ctx.add_error(e),
        }
    }
    // A field that failed is left out.
    for key in places {
        fields.shift_remove(&key);
    }
    object(fields)
}

/// An object's value from its fields (null when none is left).
fn object(fields: IndexMap<Name, Value>) -> Value {
    if fields.is_empty() {
        Value::Null
    } else {
        Value::Object(fields)
    }
}

/// A list of objects resolved as async-graphql resolves a list (each item
/// at its index in the path, the first error failing the list), but without
/// a future per item: each is begun in place ([`begin`]) and only those
/// that wait get a future, boxed, all awaited together, so that their
/// loaders still batch across the list. async-graphql gives every item a
/// future and moves it into a `try_join_all`: for the export's 1,500 RSVPs,
/// all of which resolve in one pass, that was the largest cost left of the
/// list itself. The schema is `[T!]!`, as for a `Vec` of the objects.
pub struct FastList<'a, T>(pub Vec<&'a T>);

impl<T: ObjectType + Now + Sync> OutputType for FastList<'_, T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<Fast<T>> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<Fast<T>> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<Fast<T>> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        type Waiting<'f> = Pin<Box<dyn Future<Output = ServerResult<(usize, Value)>> + Send + 'f>>;
        // (An extension's `resolve` hook would not see these items, as it
        // does not see [`resolve_fast`]'s fields: the schema has none.)
        let mut values = Vec::with_capacity(self.0.len());
        let mut waiting: Vec<Waiting<'_>> = Vec::new();
        for (idx, &item) in self.0.iter().enumerate() {
            let ctx_idx = ctx.with_index(idx);
            let later: Waiting<'_> = match begin(&ctx_idx, item) {
                Some(Ok(value)) => {
                    values.push(value);
                    continue;
                }
                Some(Err(rest)) => {
                    Box::pin(async move { Ok((idx, finish(&ctx_idx, item, rest).await)) })
                }
                // The derived object's own path, as `Fast` steps aside.
                None => Box::pin(async move {
                    match item.resolve(&ctx_idx, field).await {
                        Ok(value) => Ok((idx, value)),
                        Err(e) => Err(ctx_idx.set_error_path(e)),
                    }
                }),
            };
            // (Its place, until it is done.)
            values.push(Value::Null);
            waiting.push(later);
        }
        if !waiting.is_empty() {
            for (idx, value) in try_join_all(waiting).await? {
                values[idx] = value;
            }
        }
        Ok(Value::List(values))
    }
}

/// The fields of the selection that resolve now into `fields`; those that
/// wait into `waiting`, with their response keys, in order, and whether the
/// key's place in `fields` (a null, for now) was taken for them.
fn fill_now<'a, T: ContainerType + Now>(
    ctx: &ContextSelectionSet<'a>,
    obj: &T,
    fields: &mut IndexMap<Name, Value>,
    waiting: &mut Vec<(Name, &'a Positioned<Field>, bool)>,
) -> Option<()> {
    let type_name = T::type_name();
    each_field(ctx, &ctx.item.node, &type_name, &mut |field| {
        let name = field.node.name.node.as_str();
        let key = field.node.response_key().node.clone();
        let value = if name == "__typename" {
            Value::String(obj.introspection_type_name().into_owned())
        } else if obj.now(name) {
            match obj.resolve_field(&ctx.with_field(field)).now_or_never() {
                Some(Ok(Some(v))) => v,
                // An error or an unknown field: async-graphql reports it.
                Some(_) => return None,
                None => {
                    // A scalar listed never waits. An object may, when a
                    // field of its own selection waits (`Rsvp.member`
                    // asked for its `email`): the derived path resolves it.
                    debug_assert!(
                        !field.node.selection_set.node.items.is_empty(),
                        "{type_name}.{name} is listed as Now but waited"
                    );
                    return None;
                }
            }
        } else {
            let place = !fields.contains_key(&key);
            if place {
                fields.insert(key.clone(), Value::Null);
            }
            waiting.push((key, field, place));
            return Some(());
        };
        insert_value(fields, key, value);
        Some(())
    })
}

/// As async-graphql merges a response key met twice: objects field by
/// field, lists item by item; otherwise the first value stays.
fn insert_value(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    use async_graphql::indexmap::map::Entry;
    // (One look-up of the key, not two: a page inserts thousands.)
    match (target.entry(name), value) {
        (Entry::Vacant(slot), value) => {
            slot.insert(value);
        }
        (Entry::Occupied(mut slot), Value::Object(from)) => {
            if let Value::Object(into) = slot.get_mut() {
                for (k, v) in from {
                    insert_value(into, k, v);
                }
            }
        }
        (Entry::Occupied(mut slot), Value::List(from)) => {
            if let Value::List(into) = slot.get_mut() {
                for (i, v) in from.into_iter().enumerate() {
                    if let (Some(Value::Object(into)), Value::Object(from)) = (into.get_mut(i), v) {
                        for (k, v) in from {
                            insert_value(into, k, v);
                        }
                    }
                }
            }
        }
        (Entry::Occupied(_), _) => {}
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use crate::graphql::types::{Fast, Giver, Meeting, Member, Rsvp, RsvpCounts};

    /// [`Fast`] without its fallback: an error when [`resolve_fast`] steps
    /// aside, so a test can tell the one-pass path was taken.
    struct Strict<T>(T);

    impl<T: async_graphql::ObjectType + super::Now + Sync> async_graphql::OutputType for Strict<T> {
        fn type_name() -> std::borrow::Cow<'static, str> {
            T::type_name()
        }
        fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
            T::create_type_info(registry)
        }
        async fn resolve(
            &self,
            ctx: &async_graphql::ContextSelectionSet<'_>,
            field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
        ) -> async_graphql::ServerResult<async_graphql::Value> {
            super::resolve_fast(ctx, &self.0)
                .await
                .ok_or_else(|| async_graphql::ServerError::new("stepped aside", Some(field.pos)))
        }
    }

    fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
        s.parse().unwrap()
    }

    /// A meeting whose every field differs from a default.
    fn meeting() -> Meeting {
        Meeting(
            entities::meeting::Model {
                id: uuid::Uuid::from_u128(7),
                group_id: None,
                project_id: Some(uuid::Uuid::from_u128(8)),
                title: "Autumn \"Assembly\"".into(),
                kind: entities::MeetingKind::ALL[1],
                format: entities::MeetingFormat::ALL[1],
                starts_at: t("2026-12-03T18:00:00Z"),
                ends_at: t("2026-12-03T19:30:00Z"),
                time_zone: "Europe/London".into(),
                location: Some("https://meet.example/x".into()),
                status: entities::MeetingStatus::ALL[1],
                quorum: 5,
                visibility: entities::Visibility::ALL[1],
                postponed_from_id: None,
                cancel_reason: Some("low numbers".into()),
                minutes: None,
                quorum_confirmed_at: None,
                per_coop: true,
                created_at: t("2026-11-01T09:00:00Z"),
                updated_at: t("2026-11-02T09:00:00Z"),
            },
            Some([4, 1, 2]),
        )
    }

    fn member() -> Member {
        Member::from(entities::member::Model {
            id: uuid::Uuid::from_u128(9),
            display_name: "Ana".into(),
            email: Some("ana@example.org".into()),
            phone: None,
            matrix_user_id: Some("@ana:example.org".into()),
            organisation_id: None,
            is_admin: false,
            joined_at: t("2025-01-01T00:00:00Z"),
            created_at: t("2025-01-01T00:00:00Z"),
            updated_at: t("2025-01-02T00:00:00Z"),
            archived_at: Some(t("2026-01-01T00:00:00Z")),
            calendar_secret_hash: None,
        })
    }

    const COUNTS: RsvpCounts = RsvpCounts {
        yes: 3,
        no: 1,
        maybe: 2,
    };

    /// An RSVP read with its member (so `member` is a `Now` field too).
    fn rsvp() -> Rsvp {
        Rsvp(
            entities::rsvp::Model {
                id: uuid::Uuid::from_u128(10),
                meeting_id: uuid::Uuid::from_u128(7),
                member_id: uuid::Uuid::from_u128(9),
                response: entities::RsvpResponse::Maybe,
                created_at: t("2026-11-03T00:00:00Z"),
                updated_at: t("2026-11-04T00:00:00Z"),
            },
            Giver::Read(Some(member().0)),
        )
    }

    struct Objects;

    #[Object]
    impl Objects {
        async fn strict_meeting(&self) -> Strict<Meeting> {
            Strict(meeting())
        }
        async fn fast_meeting(&self) -> Fast<Meeting> {
            Fast(meeting())
        }
        async fn meeting(&self) -> Meeting {
            meeting()
        }
        async fn strict_member(&self) -> Strict<Member> {
            Strict(member())
        }
        async fn strict_rsvp(&self) -> Strict<Rsvp> {
            Strict(rsvp())
        }
        async fn rsvp(&self) -> Rsvp {
            rsvp()
        }
        async fn strict_rsvp_counts(&self) -> Strict<RsvpCounts> {
            Strict(COUNTS)
        }
        async fn rsvp_counts(&self) -> RsvpCounts {
            COUNTS
        }
        async fn member(&self) -> Member {
            member()
        }
        /// (Puts the `Node` interface in the test schema.)
        async fn node(&self) -> crate::graphql::types::Node {
            crate::graphql::types::Node::Member(member())
        }
        // The size in bytes of the future that resolves an RSVP in one pass.
        async fn rsvp_future_size(&self, ctx: &async_graphql::Context<'_>) -> usize {
            let set = ctx.with_selection_set(&ctx.item.node.selection_set);
            let rsvp = rsvp();
            std::mem::size_of_val(&super::resolve_fast(&set, &rsvp))
        }
    }

    /// A list holds one resolving future per item, and moves each into place
    /// a few times (the export's 1,500 RSVPs): [`super::resolve_fast`]'s
    /// future stays small, whatever the size of the object's own field
    /// resolvers' future (2 KB for an RSVP when it was held inline).
    #[tokio::test]
    async fn a_one_pass_future_stays_small() {
        let schema = Schema::new(Objects, EmptyMutation, EmptySubscription);
        let size = schema
            .execute("{ rsvpFutureSize }")
            .await
            .data
            .into_json()
            .unwrap()["rsvpFutureSize"]
            .as_u64()
            .unwrap();
        assert!(size <= 512, "{size} bytes");
    }

    /// Every field a type lists as [`super::Now`] (found through the
    /// schema, so a new one is covered) gives, in one pass, what the derived
    /// object gives — alone, all together, twice under aliases, through
    /// fragments; and a selection with a field that waits steps aside.
    #[tokio::test]
    async fn now_fields_match_the_derived_object() {
        use super::Now;
        let schema = Schema::new(Objects, EmptyMutation, EmptySubscription);
        for (ty, now) in [
            (
                "Meeting",
                Box::new(|f: &str| meeting().now(f)) as Box<dyn Fn(&str) -> bool>,
            ),
            ("Member", Box::new(|f: &str| member().now(f))),
            ("Rsvp", Box::new(|f: &str| rsvp().now(f))),
            ("RsvpCounts", Box::new(|f: &str| COUNTS.now(f))),
        ] {
            let fields = schema
                .execute(format!("{{ __type(name: \"{ty}\") {{ fields {{ name type {{ kind name ofType {{ kind name }} }} }} }} }}"))
                .await
                .data
                .into_json()
                .unwrap();
            let mut selections = Vec::new();
            for f in fields["__type"]["fields"].as_array().unwrap() {
                let name = f["name"].as_str().unwrap();
                if !now(name) {
                    continue;
                }
                let object = [&f["type"], &f["type"]["ofType"]]
                    .into_iter()
                    .find(|t| t["kind"] == "OBJECT")
                    .map(|t| t["name"].as_str().unwrap());
                selections.push(match object {
                    Some("RsvpCounts") => format!("{name} {{ __typename yes no maybe }}"),
                    Some("Member") => format!("{name} {{ __typename id displayName }}"),
                    Some(other) => panic!("{ty}.{name}: a Now field of type {other}"),
                    None => name.to_owned(),
                });
            }
            assert!(selections.len() >= 3, "{ty}: {selections:?}");
            let all = selections.join(" ");
            let mut cases = selections.clone();
            cases.push(all.clone());
            cases.push(format!("a: {} b: {}", selections[0], selections[1]));
            cases.push(format!("__typename {all} ... on {ty} {{ {all} }} ...F"));
            // (@skip and @include are settled before any resolver runs.)
            cases.push(format!(
                "{} @include(if: true) {} @skip(if: true)",
                selections[0], selections[1]
            ));
            // The root field: the type's name, first letter lower-cased.
            let field = format!("{}{}", ty[..1].to_lowercase(), &ty[1..]);
            for selection in cases {
                let fragment = if selection.contains("...F") {
                    format!("fragment F on {ty} {{ {} }}", selections[1])
                } else {
                    String::new()
                };
                let query = format!(
                    "{{ one: strict{ty} {{ {selection} }} derived: {field} {{ {selection} }} }} {fragment}"
                );
                let resp = schema.execute(&query).await;
                assert!(resp.errors.is_empty(), "{query}: {:?}", resp.errors);
                // As the client sees them, key order included.
                let async_graphql::Value::Object(data) = resp.data else {
                    panic!("{query}")
                };
                let wire = |k: &str| serde_json::to_string(&data[k]).unwrap();
                assert_eq!(wire("one"), wire("derived"), "{query}");
            }
        }
        // Two fields that wait on a parallel object: the one-pass path steps
        // aside rather than wait on them one after the other.
        let resp = schema
            .execute("{ strictMeeting { title group { name } project { name } } }")
            .await;
        assert_eq!(resp.errors[0].message, "stepped aside");
        // So does a fragment on an interface the type implements.
        let resp = schema
            .execute("{ strictMeeting { title ... on Node { id } } }")
            .await;
        assert_eq!(resp.errors[0].message, "stepped aside");
        // And Fast then takes the derived object's own path.
        let resp = schema
            .execute("{ fast: fastMeeting { title ... on Node { id } } derived: meeting { title ... on Node { id } } }")
            .await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        let data = resp.data.into_json().unwrap();
        assert_eq!(data["fast"], data["derived"]);
        assert_eq!(data["fast"]["title"], "Autumn \"Assembly\"");
    }

    /// Two derived objects alike but for `serial`, with fields that resolve
    /// at once and fields that wait (a yield) or fail after waiting.
    macro_rules! probe {
        ($name:ident, $serial:literal, $($attr:tt)*) => {
            struct $name;
            #[Object($($attr)*)]
            impl $name {
                async fn a(&self) -> i32 {
                    1
                }
                async fn b(&self) -> &str {
                    "b"
                }
                async fn later(&self) -> i32 {
                    tokio::task::yield_now().await;
                    5
                }
                async fn again(&self) -> Vec<i32> {
                    tokio::task::yield_now().await;
                    vec![6, 7]
                }
                async fn failing(&self) -> async_graphql::Result<i32> {
                    tokio::task::yield_now().await;
                    Err("it failed".into())
                }
            }
            impl super::Now for $name {
                const SERIAL: bool = $serial;
                fn now(&self, name: &str) -> bool {
                    matches!(name, "a" | "b")
                }
            }
        };
    }
    probe!(SerialProbe, true, serial);
    probe!(ParallelProbe, false,);

    struct Probes;

    #[Object]
    impl Probes {
        async fn strict_serial(&self) -> Strict<SerialProbe> {
            Strict(SerialProbe)
        }
        async fn serial(&self) -> SerialProbe {
            SerialProbe
        }
        async fn strict_parallel(&self) -> Strict<ParallelProbe> {
            Strict(ParallelProbe)
        }
        async fn fast_parallel(&self) -> Fast<ParallelProbe> {
            Fast(ParallelProbe)
        }
        async fn parallel(&self) -> ParallelProbe {
            ParallelProbe
        }
    }

    /// What a client sees of one root field: its value as sent (key order
    /// included, or sorted when `sorted`) and its errors (message and the
    /// last step of the path).
    fn seen(resp: &async_graphql::Response, key: &str, sorted: bool) -> (String, Vec<String>) {
        let async_graphql::Value::Object(data) = &resp.data else {
            panic!("{resp:?}")
        };
        let value = if sorted {
            data[key].clone().into_json().unwrap().to_string()
        } else {
            serde_json::to_string(&data[key]).unwrap()
        };
        let errors = resp
            .errors
            .iter()
            .filter(|e| {
                matches!(e.path.first(), Some(async_graphql::PathSegment::Field(f)) if f == key)
            })
            .map(|e| format!("{} at {:?}", e.message, e.path.last()))
            .collect();
        (value, errors)
    }

    /// Fields that wait are awaited after those that do not, in order: any
    /// number on a serial object, one on a parallel one. The answer and the
    /// errors are the derived object's; a serial object's keys keep their
    /// order too.
    #[tokio::test]
    async fn waiting_fields_match_the_derived_object() {
        let schema = Schema::new(Probes, EmptyMutation, EmptySubscription);
        for selection in [
            "a later b",
            "later a again b",
            "a failing b later",
            "x: later y: later a",
            "later ... on SerialProbe { later b } a",
            "failing",
        ] {
            let query =
                format!("{{ one: strictSerial {{ {selection} }} two: serial {{ {selection} }} }}");
            let resp = schema.execute(&query).await;
            let (v1, e1) = seen(&resp, "one", false);
            let (v2, e2) = seen(&resp, "two", false);
            assert_eq!(v1, v2, "{query}");
            assert_eq!(e1, e2, "{query}");
            if selection.contains("failing") {
                assert_eq!(e1.len(), 1, "{query}");
            }
        }
        for selection in ["a later b", "later", "b failing a"] {
            let q = |one: &str| {
                let ps = selection.replace("SerialProbe", "ParallelProbe");
                format!("{{ one: {one} {{ {ps} }} two: parallel {{ {ps} }} }}")
            };
            let resp = schema.execute(q("strictParallel")).await;
            assert_eq!(
                seen(&resp, "one", true),
                seen(&resp, "two", true),
                "{selection}"
            );
        }
        // Two fields that wait on a parallel object: async-graphql's path,
        // which waits on both at once.
        let resp = schema.execute("{ strictParallel { a later again } }").await;
        assert_eq!(resp.errors[0].message, "stepped aside");
        let resp = schema
            .execute("{ one: fastParallel { a later again } two: parallel { a later again } }")
            .await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        assert_eq!(seen(&resp, "one", true), seen(&resp, "two", true));
    }

    /// Lists of the same objects, as [`super::FastList`]s and as `Vec`s.
    struct Lists(Vec<Rsvp>);

    #[Object]
    impl Lists {
        async fn fast_serials(&self, n: usize) -> super::FastList<'_, SerialProbe> {
            super::FastList(vec![&SerialProbe; n])
        }
        async fn serials(&self, n: usize) -> Vec<SerialProbe> {
            (0..n).map(|_| SerialProbe).collect()
        }
        async fn fast_parallels(&self, n: usize) -> super::FastList<'_, ParallelProbe> {
            super::FastList(vec![&ParallelProbe; n])
        }
        async fn parallels(&self, n: usize) -> Vec<ParallelProbe> {
            (0..n).map(|_| ParallelProbe).collect()
        }
        async fn fast_rsvps(&self) -> super::FastList<'_, Rsvp> {
            super::FastList(self.0.iter().collect())
        }
        async fn rsvps(&self) -> &[Rsvp] {
            &self.0
        }
    }

    /// A list resolved without a future per item gives what async-graphql's
    /// list gives: the items in order, each resolved in one pass, after
    /// waiting, or (when the one pass steps aside) by the derived object;
    /// errors with the item's index in their path; the same schema type.
    #[tokio::test]
    async fn fast_lists_match_the_derived_lists() {
        let schema = Schema::new(
            Lists(vec![rsvp(), rsvp(), rsvp()]),
            EmptyMutation,
            EmptySubscription,
        );
        let errors = |resp: &async_graphql::Response, key: &str| -> Vec<String> {
            resp.errors
                .iter()
                .filter(|e| {
                    matches!(e.path.first(), Some(async_graphql::PathSegment::Field(f)) if f == key)
                })
                .map(|e| format!("{} at {:?}", e.message, &e.path[1..]))
                .collect()
        };
        let cases = [
            ("serials", "a later b", false),
            ("serials", "later a again b", false),
            ("serials", "a failing b later", false),
            ("serials", "failing", false),
            ("parallels", "a b", true),
            ("parallels", "a later b", true),
            ("parallels", "b failing a", true),
            // Two that wait on a parallel object: the derived object's path.
            ("parallels", "a later again", true),
            ("parallels", "a later again failing", true),
        ];
        for (list, selection, sorted) in cases {
            let fast = format!("fast{}{}", list[..1].to_uppercase(), &list[1..]);
            for n in [0, 1, 3, 40] {
                let query = format!(
                    "{{ one: {fast}(n: {n}) {{ {selection} }} two: {list}(n: {n}) {{ {selection} }} }}"
                );
                let resp = schema.execute(&query).await;
                assert_eq!(
                    seen(&resp, "one", sorted).0,
                    seen(&resp, "two", sorted).0,
                    "{query}"
                );
                assert_eq!(errors(&resp, "one"), errors(&resp, "two"), "{query}");
                if selection.contains("failing") && n == 3 {
                    let e = errors(&resp, "one");
                    assert!(e.iter().any(|x| x.contains("Index(2)")), "{query}: {e:?}");
                }
            }
        }
        let resp = schema
            .execute("{ one: fastRsvps { response member { displayName } id } two: rsvps { response member { displayName } id } }")
            .await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        assert_eq!(seen(&resp, "one", false), seen(&resp, "two", false));
        let fields = schema
            .execute(r#"{ __type(name: "Lists") { fields { name type { kind ofType { kind ofType { kind name } } } } } }"#)
            .await
            .data
            .into_json()
            .unwrap();
        let types: std::collections::HashMap<_, _> = fields["__type"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].as_str().unwrap().to_owned(), f["type"].clone()))
            .collect();
        assert_eq!(types["fastSerials"], types["serials"]);
        assert_eq!(types["fastRsvps"], types["rsvps"]);
    }
}
