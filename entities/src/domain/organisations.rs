//! Organisations: member co-ops, partners, networks and movement
//! organisations the federation works with.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, NAME_MAX, URL_MAX};
use super::{Db, Patch, new_id, now, read, slugs, write_txn};
use crate::{Actor, DomainError, OrganisationKind, Result, organisation, policy};

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
