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

use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{Column as _, Row as _};
use sea_orm::{ActiveEnum, DbErr, EntityTrait, FromQueryResult, Iterable, QueryResult, Select};

use super::Db;
use crate::{meeting, rsvp};

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

/// A meeting row, decoded by position where it can be.
pub struct FastMeeting(pub meeting::Model);

impl FromQueryResult for FastMeeting {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        if pre.is_empty()
            && let Some(row) = res.try_as_pg_row()
            && same_shape::<meeting::Entity>(row)
        {
            return Ok(Self(meeting::Model {
                id: at(row, 0)?,
                group_id: at(row, 1)?,
                project_id: at(row, 2)?,
                title: at(row, 3)?,
                kind: enum_at(row, 4)?,
                format: enum_at(row, 5)?,
                starts_at: at(row, 6)?,
                ends_at: at(row, 7)?,
                time_zone: at(row, 8)?,
                location: at(row, 9)?,
                status: enum_at(row, 10)?,
                quorum: at(row, 11)?,
                visibility: enum_at(row, 12)?,
                postponed_from_id: at(row, 13)?,
                cancel_reason: at(row, 14)?,
                minutes: at(row, 15)?,
                quorum_confirmed_at: at(row, 16)?,
                per_coop: at(row, 17)?,
                created_at: at(row, 18)?,
                updated_at: at(row, 19)?,
            }));
        }
        meeting::Model::from_query_result(res, pre).map(Self)
    }
}

/// An RSVP row, decoded by position where it can be.
pub struct FastRsvp(pub rsvp::Model);

impl FromQueryResult for FastRsvp {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        if pre.is_empty()
            && let Some(row) = res.try_as_pg_row()
            && same_shape::<rsvp::Entity>(row)
        {
            return Ok(Self(rsvp::Model {
                id: at(row, 0)?,
                meeting_id: at(row, 1)?,
                member_id: at(row, 2)?,
                response: enum_at(row, 3)?,
                created_at: at(row, 4)?,
                updated_at: at(row, 5)?,
            }));
        }
        rsvp::Model::from_query_result(res, pre).map(Self)
    }
}

/// Every meeting the select finds.
pub async fn meetings(
    db: &impl Db,
    q: Select<meeting::Entity>,
) -> Result<Vec<meeting::Model>, DbErr> {
    Ok(q.into_model::<FastMeeting>()
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.0)
        .collect())
}

/// Every RSVP the select finds.
pub async fn rsvps(db: &impl Db, q: Select<rsvp::Entity>) -> Result<Vec<rsvp::Model>, DbErr> {
    Ok(q.into_model::<FastRsvp>()
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.0)
        .collect())
}
