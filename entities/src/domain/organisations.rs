//! Organisations: member co-ops, partners, networks and movement
//! organisations the federation works with.
//!
//! One voice per co-op: a member co-op may name delegates
//! ([`name_delegate`]). Where a meeting or poll counts per co-op, each
//! co-op counts once — by its delegates if it named any, else by any of its
//! people ([`voices`]).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, NAME_MAX, URL_MAX};
use super::{Db, Patch, new_id, now, read, slugs, write_txn};
use crate::{Actor, DomainError, OrganisationKind, Result, delegate, member, organisation, policy};

/// What `create` needs.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub name: String,
    pub slug: Option<String>,
    pub kind: OrganisationKind,
    pub website: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `GB`.
    pub country: Option<String>,
    /// Defaults to `kind == MemberCoop`.
    pub is_member_coop: Option<bool>,
}

/// What `update` may change; `None` leaves a field as it is. The slug never
/// changes, so links stay valid.
#[derive(Debug, Clone, Default)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub website: Patch<String>,
    pub country: Patch<String>,
    pub is_member_coop: Option<bool>,
}

fn website(value: Option<&str>) -> Result<Option<String>> {
    match validate::optional("website", value, URL_MAX)? {
        Some(v) => validate::url("website", &v).map(Some),
        None => Ok(None),
    }
}

fn country(value: Option<&str>) -> Result<Option<String>> {
    match validate::optional("country", value, 2)? {
        Some(v) if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Ok(Some(v.to_ascii_uppercase()))
        }
        Some(v) => Err(DomainError::invalid(
            "country",
            format!("'{v}' is not a two-letter country code such as GB"),
        )),
        None => Ok(None),
    }
}

/// Adds an organisation.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    input: NewOrganisation,
) -> Result<organisation::Model> {
    policy::require_admin(actor, "add organisations")?;
    let name = validate::required("name", &input.name, NAME_MAX)?;
    let website = website(input.website.as_deref())?;
    let country = country(input.country.as_deref())?;
    let txn = write_txn(db).await?;
    let slug = slugs::assign::<organisation::Entity>(
        &txn,
        organisation::Column::Slug,
        "organisation",
        input.slug.as_deref(),
        &name,
    )
    .await?;
    let t = now();
    let model = organisation::ActiveModel {
        id: Set(new_id()),
        slug: Set(slug),
        name: Set(name),
        kind: Set(input.kind),
        website: Set(website),
        country: Set(country),
        is_member_coop: Set(input
            .is_member_coop
            .unwrap_or(input.kind == OrganisationKind::MemberCoop)),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::OrganisationCreated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes an organisation.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: OrganisationPatch,
) -> Result<organisation::Model> {
    policy::require_admin(actor, "change organisations")?;
    let txn = write_txn(db).await?;
    let current = read::live_organisation(&txn, id, "id").await?;
    let mut am = current.into_active_model();
    if let Some(name) = patch.name {
        am.name = Set(validate::required("name", &name, NAME_MAX)?);
    }
    if let Some(kind) = patch.kind {
        am.kind = Set(kind);
    }
    if let Some(w) = patch.website {
        am.website = Set(website(w.as_deref())?);
    }
    if let Some(c) = patch.country {
        am.country = Set(country(c.as_deref())?);
    }
    if let Some(m) = patch.is_member_coop {
        am.is_member_coop = Set(m);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::OrganisationUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Archives an organisation: it leaves lists, its alliances and members stay.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<organisation::Model> {
    policy::require_admin(actor, "archive organisations")?;
    let txn = write_txn(db).await?;
    let current = read::live_organisation(&txn, id, "id").await?;
    let mut am = current.into_active_model();
    am.archived_at = Set(Some(now()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::OrganisationArchived, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Names a delegate of a member co-op: someone who speaks for it where
/// counts are per co-op. Its own people (members whose organisation it is)
/// and admins may; the delegate must be one of its people.
#[tracing::instrument(skip_all)]
pub async fn name_delegate(
    db: &impl Db,
    actor: &Actor,
    organisation_id: Uuid,
    member_id: Uuid,
) -> Result<delegate::Model> {
    policy::require_member(actor, "name delegates")?;
    let txn = write_txn(db).await?;
    let o = read::live_organisation(&txn, organisation_id, "organisation_id").await?;
    speaks_for(&txn, actor, &o).await?;
    if !o.is_member_coop {
        return Err(DomainError::invalid(
            "organisation_id",
            format!(
                "{} is not a member co-op; only member co-ops name delegates",
                o.name
            ),
        ));
    }
    let m = read::live_member(&txn, member_id, "member_id").await?;
    if m.organisation_id != Some(o.id) {
        return Err(DomainError::invalid(
            "member_id",
            format!(
                "{} is not one of {}'s people; set their organisation first",
                m.display_name, o.name
            ),
        ));
    }
    if delegate::Entity::find_by_id((o.id, m.id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(DomainError::Conflict {
            field: "member_id".into(),
            message: format!("{} is already a delegate of {}", m.display_name, o.name),
        });
    }
    let d = delegate::ActiveModel {
        organisation_id: Set(o.id),
        member_id: Set(m.id),
        named_by_id: Set(actor.member_id()),
        named_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::DelegateNamed, o.id, &d).await?;
    txn.commit().await?;
    Ok(d)
}

/// Stops a member being a delegate of their co-op.
#[tracing::instrument(skip_all)]
pub async fn remove_delegate(
    db: &impl Db,
    actor: &Actor,
    organisation_id: Uuid,
    member_id: Uuid,
) -> Result<()> {
    policy::require_member(actor, "remove delegates")?;
    let txn = write_txn(db).await?;
    let o = read::live_organisation(&txn, organisation_id, "organisation_id").await?;
    speaks_for(&txn, actor, &o).await?;
    let Some(d) = delegate::Entity::find_by_id((o.id, member_id))
        .one(&txn)
        .await?
    else {
        return Err(DomainError::invalid(
            "member_id",
            format!("that member is not a delegate of {}", o.name),
        ));
    };
    delegate::Entity::delete_by_id((o.id, member_id))
        .exec(&txn)
        .await?;
    emit_row(&txn, EventKind::DelegateRemoved, o.id, &d).await?;
    txn.commit().await?;
    Ok(())
}

async fn speaks_for(db: &impl Db, actor: &Actor, o: &organisation::Model) -> Result<()> {
    if actor.is_admin() {
        return Ok(());
    }
    let mine = match actor.member_id() {
        Some(m) => {
            read::get::<member::Entity>(db, m, "member", "id")
                .await?
                .organisation_id
        }
        None => None,
    };
    if mine == Some(o.id) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "name or remove {}'s delegates: only its own people and admins may",
            o.name
        )))
    }
}

/// The delegates of these organisations (one statement).
#[tracing::instrument(skip_all)]
pub async fn delegates_of(db: &impl Db, organisation_ids: &[Uuid]) -> Result<Vec<delegate::Model>> {
    Ok(delegate::Entity::find()
        .filter(delegate::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .order_by_asc(delegate::Column::NamedAt)
        .all(db)
        .await?)
}

/// For counting per co-op: the member co-op each of these members speaks
/// for. A member of a co-op that named delegates speaks for it only if they
/// are one; members of no member co-op speak for none (absent from the
/// map). Three statements whatever the number of members.
#[tracing::instrument(skip_all)]
pub async fn voices(db: &impl Db, member_ids: &[Uuid]) -> Result<HashMap<Uuid, Uuid>> {
    let members = member::Entity::find()
        .filter(member::Column::Id.is_in(member_ids.iter().copied()))
        .all(db)
        .await?;
    let org_ids: Vec<Uuid> = members.iter().filter_map(|m| m.organisation_id).collect();
    let coops: HashSet<Uuid> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(org_ids.clone()))
        .filter(organisation::Column::IsMemberCoop.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let delegates = delegates_of(db, &org_ids).await?;
    let with_delegates: HashSet<Uuid> = delegates.iter().map(|d| d.organisation_id).collect();
    let is_delegate: HashSet<(Uuid, Uuid)> = delegates
        .iter()
        .map(|d| (d.organisation_id, d.member_id))
        .collect();
    Ok(members
        .into_iter()
        .filter_map(|m| {
            let o = m.organisation_id.filter(|o| coops.contains(o))?;
            (!with_delegates.contains(&o) || is_delegate.contains(&(o, m.id))).then_some((m.id, o))
        })
        .collect())
}
