//! Relay cursor connections for every list: `first/after`, `last/before`,
//! `edges { cursor node }`, `pageInfo` and `totalCount`.
//!
//! Lists arrive filtered and ordered (top-level lists from one query,
//! nested ones from a batched loader), and are paged here. A cursor names
//! the row (its id) and its offset: paging goes on from the named row, or
//! from the offset when that row has since left the list (archived), so a
//! client paging through a changing list neither fails nor loops.
//!
//! A cursor is kept as its offset and id ([`Cursor`]) and encoded only when
//! a client asks for it: a nested page of a thousand rows that selects no
//! `cursor` formats none (encoding them all was 3% of such a page).
//!
//! Pages of objects resolved in one pass ([`FastConn`]: meetings, RSVPs)
//! are the same connection in the schema, but their `nodes` resolve as a
//! [`FastList`], without a future per node.

use std::borrow::Cow;

use async_graphql::connection::{
    Connection, ConnectionNameType, CursorType, DefaultConnectionName, Edge, EmptyFields, PageInfo,
};
use async_graphql::{Object, ObjectType, OutputType, SimpleObject, TypeName};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entities::DomainError;
use uuid::Uuid;

use super::plain::{Fast, FastList, Now};

/// The largest page a client may ask for (GitHub's rule).
pub const MAX_PAGE: i32 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 50;

/// Extra fields on every connection.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ListInfo {
    /// How many items the whole list has (that the caller may see), across
    /// all pages.
    pub total_count: u64,
}

/// A page of [`Fast`] objects: async-graphql's connection (the same type in
/// the schema, `…Connection` with `…Edge`s), whose `nodes` resolve as a
/// [`FastList`] rather than with a future per node.
pub struct FastConn<T: ObjectType + Now + Sync>(pub Connection<Cursor, Fast<T>, ListInfo>);

impl<T: ObjectType + Now + Sync> TypeName for FastConn<T> {
    fn type_name() -> Cow<'static, str> {
        DefaultConnectionName::type_name::<Fast<T>>().into()
    }
}

// The fields and their descriptions are async-graphql's `Connection`'s (the
// schema's snapshot holds them).
#[Object(name_type)]
impl<T: ObjectType + Now + Sync> FastConn<T> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        let edges = &self.0.edges;
        PageInfo {
            has_previous_page: self.0.has_previous_page,
            has_next_page: self.0.has_next_page,
            start_cursor: edges.first().map(|edge| edge.cursor.encode_cursor()),
            end_cursor: edges.last().map(|edge| edge.cursor.encode_cursor()),
        }
    }

    /// A list of edges.
    async fn edges(&self) -> &[Edge<Cursor, Fast<T>, EmptyFields>] {
        &self.0.edges
    }

    /// A list of nodes.
    async fn nodes(&self) -> FastList<'_, T> {
        FastList(self.0.edges.iter().map(|e| &e.node.0).collect())
    }

    // (async-graphql flattens only an async resolver.)
    #[allow(clippy::unused_async)]
    #[graphql(flatten)]
    async fn additional_fields(&self) -> &ListInfo {
        &self.0.additional_fields
    }
}

/// The paging arguments of a connection field.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl Page {
    /// Bundles a field's arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// The most items this page can hold (for complexity).
    pub fn size(first: Option<i32>, last: Option<i32>) -> usize {
        usize::try_from(first.or(last).unwrap_or(DEFAULT_PAGE).clamp(0, MAX_PAGE)).unwrap_or(0)
    }
}

/// How many rows a list field needs read when it asks for a first page
/// only — no cursor, no `last`, the default order (`default_order`), no
/// `totalCount` — : the page and one row more (for `hasNextPage`). `None`
/// when the whole list must be read to page it.
pub fn first_page_rows(
    ctx: &async_graphql::Context<'_>,
    first: Option<i32>,
    after: Option<&String>,
    last: Option<i32>,
    before: Option<&String>,
    default_order: bool,
) -> Option<usize> {
    (after.is_none()
        && before.is_none()
        && last.is_none()
        && default_order
        && !ctx.look_ahead().field("totalCount").exists())
    .then(|| Page::size(first, None) + 1)
}

/// Whether a connection's nodes, through `nodes` or `edges { node }`, ask
/// for `field`.
pub fn nodes_ask(look: &async_graphql::Lookahead<'_>, field: &str) -> bool {
    look.field("nodes").field(field).exists()
        || look.field("edges").field("node").field(field).exists()
}

fn cursor(offset: usize, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{id}"))
}

/// A row's place in its list, encoded as an opaque string only when it is
/// read (`edges { cursor }`, `pageInfo { startCursor endCursor }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    offset: usize,
    id: Uuid,
}

impl CursorType for Cursor {
    type Error = DomainError;

    fn decode_cursor(s: &str) -> Result<Self, DomainError> {
        parse_cursor("after", s).map(|(offset, id)| Self { offset, id })
    }

    fn encode_cursor(&self) -> String {
        cursor(self.offset, self.id)
    }
}

fn parse_cursor(field: &str, c: &str) -> Result<(usize, Uuid), DomainError> {
    let bad = || DomainError::invalid(field, format!("'{c}' is not a cursor from this list"));
    let raw = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (offset, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((
        offset.parse().map_err(|_| bad())?,
        Uuid::parse_str(id).map_err(|_| bad())?,
    ))
}

fn position(rows: &[Uuid], field: &str, c: &str) -> Result<(usize, bool), DomainError> {
    let (offset, id) = parse_cursor(field, c)?;
    Ok(match rows.iter().position(|r| *r == id) {
        Some(i) => (i, true),
        None => (offset.min(rows.len()), false),
    })
}

fn count(field: &str, n: Option<i32>) -> Result<Option<usize>, DomainError> {
    match n {
        None => Ok(None),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(usize::try_from(n).ok()),
        Some(n) => Err(DomainError::invalid(
            field,
            format!("{field} must be between 1 and {MAX_PAGE}, not {n}"),
        )),
    }
}

/// Pages `rows` (already filtered and ordered) as a Relay connection.
pub fn paginate<T, N>(
    rows: Vec<T>,
    id: impl Fn(&T) -> Uuid,
    node: impl Fn(T) -> N,
    page: &Page,
) -> Result<Connection<Cursor, N, ListInfo>, DomainError>
where
    N: OutputType,
{
    let first = count("first", page.first)?;
    let last = count("last", page.last)?;
    let ids: Vec<Uuid> = rows.iter().map(&id).collect();
    let total = ids.len();
    let mut start = 0;
    let mut end = total;
    if let Some(after) = &page.after {
        let (i, found) = position(&ids, "after", after)?;
        start = if found { i + 1 } else { i };
    }
    if let Some(before) = &page.before {
        end = position(&ids, "before", before)?.0.max(start);
    }
    // The Relay algorithm: `first` keeps the head of the window, then
    // `last` keeps the tail of what is left.
    if let Some(f) = first {
        end = end.min(start + f);
    }
    if let Some(l) = last {
        start = start.max(end.saturating_sub(l));
    }
    if first.is_none() && last.is_none() {
        end = end.min(start + usize::try_from(DEFAULT_PAGE).unwrap_or(50));
    }
    let mut conn = Connection::with_additional_fields(
        start > 0,
        end < total,
        ListInfo {
            total_count: total as u64,
        },
    );
    conn.edges.extend(
        rows.into_iter()
            .enumerate()
            .skip(start)
            .take(end - start)
            .map(|(i, row)| {
                Edge::new(
                    Cursor {
                        offset: i,
                        id: id(&row),
                    },
                    node(row),
                )
            }),
    );
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    fn page(rows: &[Uuid], p: &Page) -> (Vec<Uuid>, bool, bool) {
        let c = paginate(rows.to_vec(), |u| *u, |u| u.to_string(), p).unwrap();
        let got = c
            .edges
            .iter()
            .map(|e| Uuid::parse_str(&e.node).unwrap())
            .collect();
        (got, c.has_previous_page, c.has_next_page)
    }

    #[test]
    fn forward_and_backward_paging_cover_the_list_once() {
        let rows = ids(7);
        let (a, prev, next) = page(&rows, &Page::new(Some(3), None, None, None));
        assert_eq!(a, rows[0..3]);
        assert!(!prev && next);
        let c = paginate(
            rows.clone(),
            |u| *u,
            |u| u.to_string(),
            &Page::new(Some(3), None, None, None),
        )
        .unwrap();
        let after = c.edges.last().unwrap().cursor.encode_cursor();
        let (b, prev, next) = page(&rows, &Page::new(Some(3), Some(after), None, None));
        assert_eq!(b, rows[3..6]);
        assert!(prev && next);
        let (c2, _, next) = page(&rows, &Page::new(None, None, Some(2), None));
        assert_eq!(c2, rows[5..7]);
        assert!(!next);
    }

    #[test]
    fn a_cursor_is_encoded_when_read_and_decodes_to_itself() {
        let rows = ids(3);
        let c = paginate(
            rows.clone(),
            |u| *u,
            |u| u,
            &Page::new(Some(2), None, None, None),
        )
        .unwrap();
        let second = c.edges[1].cursor;
        let text = second.encode_cursor();
        assert_eq!(text, cursor(1, rows[1]));
        assert_eq!(Cursor::decode_cursor(&text).unwrap(), second);
        assert!(Cursor::decode_cursor("not a cursor").is_err());
    }

    #[test]
    fn a_cursor_whose_row_left_the_list_falls_back_to_its_offset() {
        let rows = ids(5);
        let gone = cursor(2, Uuid::now_v7());
        let (a, _, _) = page(&rows, &Page::new(Some(2), Some(gone), None, None));
        assert_eq!(a, rows[2..4]);
    }

    #[test]
    fn refuses_bad_counts_and_cursors() {
        let rows = ids(2);
        assert!(
            paginate(
                rows.clone(),
                |u| *u,
                |u| u.to_string(),
                &Page::new(Some(101), None, None, None)
            )
            .is_err()
        );
        assert!(
            paginate(
                rows.clone(),
                |u| *u,
                |u| u.to_string(),
                &Page::new(Some(-1), None, None, None)
            )
            .is_err()
        );
        assert!(
            paginate(
                rows,
                |u| *u,
                |u| u.to_string(),
                &Page::new(None, Some("zz".into()), None, None)
            )
            .is_err()
        );
    }
}
