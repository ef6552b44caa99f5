//! Opaque global ids (Relay's `Node.id`): `base64url("Type:uuid")`. Clients
//! must treat them as opaque; the type prefix lets `node(id:)` find the
//! right table and lets inputs refuse an id of the wrong type.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entities::DomainError;
use uuid::Uuid;

/// The object types that carry global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Group,
    Project,
    Meeting,
    Organisation,
    Member,
    Membership,
    Alliance,
    Resource,
    AgendaItem,
    Rsvp,
    Action,
    Poll,
    PollOption,
    Role,
    Handover,
    Contact,
}

impl Kind {
    const ALL: [Self; 16] = [
        Self::Group,
        Self::Project,
        Self::Meeting,
        Self::Organisation,
        Self::Member,
        Self::Membership,
        Self::Alliance,
        Self::Resource,
        Self::AgendaItem,
        Self::Rsvp,
        Self::Action,
        Self::Poll,
        Self::PollOption,
        Self::Role,
        Self::Handover,
        Self::Contact,
    ];

    /// The GraphQL type name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Group => "Group",
            Self::Project => "Project",
            Self::Meeting => "Meeting",
            Self::Organisation => "Organisation",
            Self::Member => "Member",
            Self::Membership => "Membership",
            Self::Alliance => "Alliance",
            Self::Resource => "Resource",
            Self::AgendaItem => "AgendaItem",
            Self::Rsvp => "Rsvp",
            Self::Action => "Action",
            Self::Poll => "Poll",
            Self::PollOption => "PollOption",
            Self::Role => "Role",
            Self::Handover => "Handover",
            Self::Contact => "OutreachContact",
        }
    }
}

/// The global id of a row.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    // `Kind:uuid` assembled on the stack, not through `format!` (an `id` on
    // every row of a list is thousands of these a request).
    let name = kind.name().as_bytes();
    let mut raw = [0u8; 64];
    let end = name.len() + 1 + uuid::fmt::Hyphenated::LENGTH;
    if end > raw.len() {
        return ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())));
    }
    raw[..name.len()].copy_from_slice(name);
    raw[name.len()] = b':';
    id.hyphenated().encode_lower(&mut raw[name.len() + 1..end]);
    ID(URL_SAFE_NO_PAD.encode(&raw[..end]))
}

/// Splits a global id into its type and row id; `None` if it is not one.
pub fn decode(id: &str) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (name, uuid) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    Some((kind, Uuid::parse_str(uuid).ok()?))
}

/// The row id in a global id that must be of `kind`; the error names the
/// input `field` (`snake_case`, as the domain does).
pub fn expect(kind: Kind, id: &ID, field: &str) -> Result<Uuid, DomainError> {
    match decode(id) {
        Some((k, uuid)) if k == kind => Ok(uuid),
        Some((k, _)) => Err(DomainError::invalid(
            field,
            format!(
                "{field} is a {} id; a {} id is needed",
                k.name(),
                kind.name()
            ),
        )),
        None => Err(DomainError::invalid(
            field,
            format!("'{}' is not a valid {} id", id.as_str(), kind.name()),
        )),
    }
}

/// [`expect`] for an optional id.
pub fn expect_opt(kind: Kind, id: Option<&ID>, field: &str) -> Result<Option<Uuid>, DomainError> {
    id.map(|id| expect(kind, id, field)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_type_name_and_the_hyphenated_uuid() {
        let uuid = Uuid::now_v7();
        for kind in Kind::ALL {
            assert_eq!(
                encode(kind, uuid).0,
                URL_SAFE_NO_PAD.encode(format!("{}:{uuid}", kind.name()))
            );
        }
    }

    #[test]
    fn round_trips_and_refuses_wrong_types() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::Group, uuid);
        assert_eq!(decode(&id), Some((Kind::Group, uuid)));
        assert!(expect(Kind::Project, &id, "project_id").is_err());
        assert!(decode("not-an-id").is_none());
        assert!(decode(&URL_SAFE_NO_PAD.encode("Nope:123")).is_none());
    }
}
