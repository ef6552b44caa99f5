//! Row decoding for the read paths that return thousands of rows.
//!
//! sea-orm's derived `FromQueryResult` finds every column of every row by
//! name (a `SipHash` look-up in sqlx's column map), checks its type, and
//! formats an error string for every NULL it meets: under callgrind that
//! was about 19,000 instructions per meeting row, 28% of a large page's
//! time. On PostgreSQL the decoders here read the columns by position, once
//! the row's column names are seen to be the entity's, in order (a
//! comparison of names, no hashing); they fall back to sea-orm's decoder on
//! any other row shape and on SQLite. The test
//! `rows::positional_decoding_matches_sea_orm` in the suite holds the two
//! to the same answer on real rows.
//!
//! A page that shows a few fields of meetings, RSVPs or members reads only
//! their columns (`MeetingColumns`, `RsvpColumns`, `MemberColumns`); the
//! `…_part` decoders here fill the model's other fields with placeholders,
//! which only the GraphQL adapter, for exactly those fields, may read.

use sea_orm::prelude::DateTimeUtc;
use sea_orm::sqlx::postgres::types::Oid;
use sea_orm::sqlx::postgres::{PgRow, PgValueFormat};
use sea_orm::sqlx::{Column as _, Row as _, ValueRef as _};
use sea_orm::{ActiveEnum, DbErr, EntityTrait, FromQueryResult, Iterable, QueryResult, Select};

use super::Db;
use crate::{group, meeting, member, project, rsvp};

/// Whether the row's first columns are exactly `E`'s, in declaration order.
fn same_shape<E: EntityTrait>(row: &PgRow) -> bool {
    use sea_orm::IdenStatic;
    let columns = row.columns();
    let mut i = 0;
    for c in E::Column::iter() {
        match columns.get(i) {
            Some(col) if col.name() == c.as_str() => i += 1,
            _ => return false,
        }
    }
    true
}

fn decode_err(e: &sea_orm::sqlx::Error) -> DbErr {
    DbErr::Type(e.to_string())
}

/// The value at `i`, without sqlx's type check (the shape was checked).
fn at<'r, T: sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>>(
    row: &'r PgRow,
    i: usize,
) -> Result<T, DbErr> {
    row.try_get_unchecked(i).map_err(|e| decode_err(&e))
}

/// PostgreSQL's type id of `timestamptz`.
const TIMESTAMPTZ: Oid = Oid(1184);

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 UTC.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `timestamptz` column, read from its binary form (big-endian
/// microseconds since 2000-01-01 UTC) in a few instructions. sqlx's
/// decoder goes through a fixed offset and a checked addition of a
/// duration: about 400 instructions a value, 6% of the large export
/// (`bench/RESULTS.md`, "Timestamps, hashing, serial objects"). Any
/// other type, and the text format, go to sqlx's decoder.
trait Instant: Sized {
    fn at(row: &PgRow, i: usize) -> Result<Self, DbErr>;
}

/// The eight bytes of a binary value of type `oid` at `i`, or `None` for
/// NULL; `Err(())` for any other type or format.
fn raw_eight(row: &PgRow, i: usize, oid: Oid) -> Result<Option<[u8; 8]>, ()> {
    let value = row.try_get_raw(i).map_err(|_| ())?;
    if value.is_null() {
        return Ok(None);
    }
    if value.format() != PgValueFormat::Binary || value.type_info().oid() != Some(oid) {
        return Err(());
    }
    let bytes: [u8; 8] = value
        .as_bytes()
        .map_err(|_| ())?
        .try_into()
        .map_err(|_| ())?;
    Ok(Some(bytes))
}

/// The instant at `i`, or `None` for NULL; `Err(())` when the value is not
/// a binary `timestamptz` this decoder reads (sqlx's decoder then does).
fn raw_instant(row: &PgRow, i: usize) -> Result<Option<DateTimeUtc>, ()> {
    let Some(bytes) = raw_eight(row, i, TIMESTAMPTZ)? else {
        return Ok(None);
    };
    i64::from_be_bytes(bytes)
        .checked_add(PG_EPOCH_MICROS)
        .and_then(DateTimeUtc::from_timestamp_micros)
        .map(Some)
        .ok_or(())
}

impl Instant for DateTimeUtc {
    fn at(row: &PgRow, i: usize) -> Result<Self, DbErr> {
        match raw_instant(row, i) {
            Ok(Some(t)) => Ok(t),
            _ => at(row, i),
        }
    }
}

impl Instant for Option<DateTimeUtc> {
    fn at(row: &PgRow, i: usize) -> Result<Self, DbErr> {
        raw_instant(row, i).or_else(|()| at(row, i))
    }
}

/// A row of an id and three counts (`read::rsvp_counts`), read by position
/// on PostgreSQL (sea-orm's `try_get_by_index` checks each value's type and
/// wraps it in an `Option` first: about 1,100 instructions a row, a thousand
/// rows to a page of meetings).
pub(super) fn id_and_counts(res: &QueryResult) -> Result<(uuid::Uuid, [i64; 3]), DbErr> {
    if let Some(row) = res.try_as_pg_row()
        && row.len() == 4
    {
        return Ok((at(row, 0)?, [at(row, 1)?, at(row, 2)?, at(row, 3)?]));
    }
    Ok((
        res.try_get_by_index(0)?,
        [
            res.try_get_by_index(1)?,
            res.try_get_by_index(2)?,
            res.try_get_by_index(3)?,
        ],
    ))
}

/// PostgreSQL's type id of `bigint`.
const INT8: Oid = Oid(20);

/// A non-null binary `bigint` at `i` (eight big-endian bytes, its type
/// checked by id); `Err(())` for anything else, which sqlx's checked
/// decoder then reads or reports. sqlx's `try_get` checks compatibility by
/// a longer path: about 300 instructions a value, three a meeting.
fn raw_bigint(row: &PgRow, i: usize) -> Result<i64, ()> {
    match raw_eight(row, i, INT8)? {
        Some(bytes) => Ok(i64::from_be_bytes(bytes)),
        None => Err(()),
    }
}

/// The `bigint` at `i`, type-checked by sqlx.
fn at_checked(row: &PgRow, i: usize) -> Result<i64, DbErr> {
    row.try_get::<i64, _>(i).map_err(|e| decode_err(&e))
}

/// Three counts that follow the first `first` columns of a row: by position
/// on PostgreSQL (each value's type checked: nothing checked this row's
/// shape), by `names` elsewhere.
pub(super) fn counts_at(
    res: &QueryResult,
    first: usize,
    names: &[&str; 3],
) -> Result<[i64; 3], DbErr> {
    if let Some(row) = res.try_as_pg_row() {
        let get = |i: usize| raw_bigint(row, i).map_or_else(|()| at_checked(row, i), Ok);
        return Ok([get(first)?, get(first + 1)?, get(first + 2)?]);
    }
    Ok([
        res.try_get("", names[0])?,
        res.try_get("", names[1])?,
        res.try_get("", names[2])?,
    ])
}

/// A text enum at `i`.
fn enum_at<T: ActiveEnum<Value = String>>(row: &PgRow, i: usize) -> Result<T, DbErr> {
    let s: String = at(row, i)?;
    T::try_from_value(&s)
}

/// Whether a row of entity `E` would be read by position (for tests: on
/// PostgreSQL, the fast path must be the one taken).
pub fn by_position<E: EntityTrait>(res: &QueryResult) -> bool {
    res.try_as_pg_row().is_some_and(same_shape::<E>)
}

/// A wrapper that decodes `$model` rows by position on PostgreSQL (when the
/// row has the entity's shape) and by sea-orm's derive otherwise, and a
/// function that runs a select through it. Fields are listed in column
/// order; `text_enum` marks a text enum, `instant` a `timestamptz`.
macro_rules! positional {
    ($wrapper:ident, $all:ident, $module:ident { $($field:ident: $how:ident),* $(,)? }) => {
        #[doc = concat!("A `", stringify!($module), "` row, decoded by position where it can be.")]
        pub struct $wrapper(pub $module::Model);

        impl FromQueryResult for $wrapper {
            fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
                if pre.is_empty()
                    && let Some(row) = res.try_as_pg_row()
                    && same_shape::<$module::Entity>(row)
                {
                    let mut i = 0..;
                    return Ok(Self($module::Model {
                        $($field: positional!(@$how row, i.next().unwrap_or_default())?,)*
                    }));
                }
                $module::Model::from_query_result(res, pre).map(Self)
            }
        }

        #[doc = concat!("Every `", stringify!($module), "` row the select finds.")]
        pub async fn $all(
            db: &impl Db,
            q: Select<$module::Entity>,
        ) -> Result<Vec<$module::Model>, DbErr> {
            Ok(q.into_model::<$wrapper>()
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.0)
                .collect())
        }
    };
    // With a column set `$set`: also a decoder of rows that hold only some
    // columns (`$part`), and a function that reads only those (`$some`).
    (
        $wrapper:ident, $all:ident, $module:ident,
        $set:ident, $part:ident, $some:ident { $($field:ident: $how:ident),* $(,)? }
    ) => {
        positional!($wrapper, $all, $module { $($field: $how),* });

        #[doc = concat!("A set of `", stringify!($module), "` columns: bit i is the i-th column in")]
        #[doc = "declaration order. A query that shows two fields of a row reads their"]
        #[doc = concat!("columns, not the whole row ([`", stringify!($some), "`]).")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $set(u32);

        impl $set {
            /// Every column: a whole row.
            pub const ALL: Self = Self(u32::MAX);
            /// No column.
            pub const NONE: Self = Self(0);

            /// This set and `c`.
            #[must_use]
            pub fn with(self, c: $module::Column) -> Self {
                Self(self.0 | 1 << (c as u32))
            }

            /// The columns of either set.
            #[must_use]
            pub fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// Whether `c` is in the set.
            pub fn contains(self, c: $module::Column) -> bool {
                self.0 & 1 << (c as u32) != 0
            }

            /// Whether every column of the table is in the set.
            pub fn is_all(self) -> bool {
                $module::Column::iter().all(|c| self.contains(c))
            }

            /// This set without `c`.
            #[must_use]
            pub fn without(self, c: $module::Column) -> Self {
                Self(self.0 & !(1 << (c as u32)))
            }

            /// How many columns of the table are in the set.
            pub fn count(self) -> usize {
                $module::Column::iter().filter(|c| self.contains(*c)).count()
            }

            /// The columns in the set, in declaration order.
            pub fn columns(self) -> Vec<$module::Column> {
                $module::Column::iter()
                    .filter(|c| self.contains(*c))
                    .collect()
            }
        }

        impl FromIterator<$module::Column> for $set {
            fn from_iter<I: IntoIterator<Item = $module::Column>>(columns: I) -> Self {
                columns.into_iter().fold(Self::NONE, Self::with)
            }
        }

        #[doc = concat!("A `", stringify!($module), "` with only `columns` read from `res`: on")]
        #[doc = "PostgreSQL by position, from the row's column `first` on, in declaration"]
        #[doc = "order; elsewhere by name, each column's name after `prefix` (a joined"]
        #[doc = "table's columns are selected under a prefix). The model's other fields"]
        #[doc = "hold placeholders: empty text, zeros, `None`, the first value of each"]
        #[doc = "enum, the Unix epoch. Only a caller that reads nothing but `columns` may"]
        #[doc = "use it: the GraphQL adapter, for the fields a query asked for."]
        pub fn $part(
            res: &QueryResult,
            columns: $set,
            first: usize,
            prefix: &str,
        ) -> Result<$module::Model, DbErr> {
            let mut m = $module::Model {
                $($field: positional!(@blank $how),)*
            };
            let pg = res.try_as_pg_row();
            // The column's bit, and its place in the row when it was read.
            let mut bit = 0_u32..;
            let mut place = first..;
            $(
                if columns.0 & 1 << bit.next().unwrap_or_default() != 0 {
                    // By position on PostgreSQL, by name elsewhere.
                    m.$field = match pg {
                        Some(row) => positional!(@$how row, place.next().unwrap_or_default())?,
                        None => res.try_get(prefix, stringify!($field))?,
                    };
                }
            )*
            Ok(m)
        }

        #[doc = concat!("Every `", stringify!($module), "` row the select finds, with only `columns`")]
        #[doc = concat!("read ([`", stringify!($part), "`]); whole rows when `columns` is all of them.")]
        pub async fn $some(
            db: &impl Db,
            q: Select<$module::Entity>,
            columns: $set,
        ) -> Result<Vec<$module::Model>, DbErr> {
            use sea_orm::{QuerySelect as _, QueryTrait as _};
            if columns.is_all() {
                return $all(db, q).await;
            }
            let q = q.select_only().columns(columns.columns());
            let stmt = q.build(db.get_database_backend());
            db.query_all_raw(stmt)
                .await?
                .iter()
                .map(|r| $part(r, columns, 0, ""))
                .collect()
        }
    };
    (@plain $row:ident, $i:expr) => { at($row, $i) };
    (@text_enum $row:ident, $i:expr) => { enum_at($row, $i) };
    (@instant $row:ident, $i:expr) => { Instant::at($row, $i) };
    (@blank text_enum) => { first_variant()? };
    (@blank $how:ident) => { Default::default() };
}

/// The first value of a text enum: a partial row's placeholder.
fn first_variant<T: ActiveEnum>() -> Result<T, DbErr> {
    T::iter()
        .next()
        .ok_or_else(|| DbErr::Type("an enum without values".to_owned()))
}

positional!(
    FastMeeting,
    meetings,
    meeting,
    MeetingColumns,
    meeting_part,
    meetings_part {
        id: plain,
        group_id: plain,
        project_id: plain,
        title: plain,
        kind: text_enum,
        format: text_enum,
        starts_at: instant,
        ends_at: instant,
        time_zone: plain,
        location: plain,
        status: text_enum,
        quorum: plain,
        visibility: text_enum,
        postponed_from_id: plain,
        cancel_reason: plain,
        minutes: plain,
        quorum_confirmed_at: instant,
        per_coop: plain,
        created_at: instant,
        updated_at: instant,
    }
);

positional!(
    FastGroup,
    groups,
    group {
        id: plain,
        slug: plain,
        name: plain,
        purpose: plain,
        domains: plain,
        status: text_enum,
        visibility: text_enum,
        reporting_line: plain,
        time_zone: plain,
        created_at: instant,
        updated_at: instant,
        archived_at: instant,
    }
);

positional!(
    FastProject,
    projects,
    project {
        id: plain,
        group_id: plain,
        slug: plain,
        name: plain,
        goal: plain,
        status: text_enum,
        starts_on: plain,
        ends_on: plain,
        visibility: text_enum,
        time_zone: plain,
        matrix_room_id: plain,
        created_at: instant,
        updated_at: instant,
        archived_at: instant,
    }
);

positional!(
    FastMember,
    members,
    member,
    MemberColumns,
    member_part,
    members_part {
        id: plain,
        display_name: plain,
        email: plain,
        phone: plain,
        matrix_user_id: plain,
        organisation_id: plain,
        is_admin: plain,
        joined_at: instant,
        created_at: instant,
        updated_at: instant,
        archived_at: instant,
        calendar_secret_hash: plain,
    }
);

positional!(
    FastRsvp,
    rsvps,
    rsvp,
    RsvpColumns,
    rsvp_part,
    rsvps_part {
        id: plain,
        meeting_id: plain,
        member_id: plain,
        response: text_enum,
        created_at: instant,
        updated_at: instant,
    }
);
