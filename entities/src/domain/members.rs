//! Members: the people of the federation. Their e-mail and phone are
//! private ([`crate::policy::can_see_contact`]) and never written to the
//! outbox, so no room or subscriber can receive them.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::validate::{self, NAME_MAX};
use super::{Db, Patch, new_id, now, read, write_txn};
use crate::{Actor, DomainError, Result, member, policy};

/// What `create` needs.
#[derive(Debug, Clone, Default)]
pub struct NewMember {
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `@name:server`; unique.
    pub matrix_user_id: Option<String>,
    /// Their co-op or other organisation.
    pub organisation_id: Option<Uuid>,
    pub is_admin: bool,
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MemberPatch {
    pub display_name: Option<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub matrix_user_id: Patch<String>,
    pub organisation_id: Patch<Uuid>,
    pub is_admin: Option<bool>,
}

fn email(v: Option<&str>) -> Result<Option<String>> {
    match validate::optional("email", v, 254)? {
        Some(e) => validate::email("email", &e).map(Some),
        None => Ok(None),
    }
}

fn phone(v: Option<&str>) -> Result<Option<String>> {
    match validate::optional("phone", v, 40)? {
        Some(p)
            if p.chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                && p.chars().any(|c| c.is_ascii_digit()) =>
        {
            Ok(Some(p))
        }
        Some(p) => Err(DomainError::invalid(
            "phone",
            format!("'{p}' is not a phone number: use digits, spaces, + - ( )"),
        )),
        None => Ok(None),
    }
}

fn matrix_id(v: Option<&str>) -> Result<Option<String>> {
    match validate::optional("matrix_user_id", v, 255)? {
        Some(m) => validate::matrix_user_id("matrix_user_id", &m).map(Some),
        None => Ok(None),
    }
}

async fn check_matrix_id_free(db: &impl Db, id: &str, except: Option<Uuid>) -> Result<()> {
    let other = member::Entity::find()
        .filter(member::Column::MatrixUserId.eq(id))
        .one(db)
        .await?;
    match other {
        Some(o) if Some(o.id) != except => Err(DomainError::Conflict {
            field: "matrix_user_id".into(),
            message: format!("the Matrix id {id} already belongs to another member"),
        }),
        _ => Ok(()),
    }
}

/// What the outbox hears of a member: never contact details.
fn public_payload(m: &member::Model) -> serde_json::Value {
    json!({ "id": m.id, "display_name": m.display_name, "matrix_user_id": m.matrix_user_id })
}

/// Adds a member.
#[tracing::instrument(skip_all)]
pub async fn create(db: &impl Db, actor: &Actor, input: NewMember) -> Result<member::Model> {
    policy::require_admin(actor, "add members")?;
    let display_name = validate::required("display_name", &input.display_name, NAME_MAX)?;
    let email = email(input.email.as_deref())?;
    let phone = phone(input.phone.as_deref())?;
    let matrix_user_id = matrix_id(input.matrix_user_id.as_deref())?;
    let txn = write_txn(db).await?;
    if let Some(org) = input.organisation_id {
        read::live_organisation(&txn, org, "organisation_id").await?;
    }
    if let Some(m) = &matrix_user_id {
        check_matrix_id_free(&txn, m, None).await?;
    }
    let t = now();
    let model = member::ActiveModel {
        id: Set(new_id()),
        display_name: Set(display_name),
        email: Set(email),
        phone: Set(phone),
        matrix_user_id: Set(matrix_user_id),
        organisation_id: Set(input.organisation_id),
        is_admin: Set(input.is_admin),
        joined_at: Set(t),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
        calendar_secret_hash: Set(None),
    }
    .insert(&txn)
    .await?;
    emit(
        &txn,
        EventKind::MemberCreated,
        model.id,
        public_payload(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a member.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: MemberPatch,
) -> Result<member::Model> {
    policy::require_member(actor, "change members")?;
    if actor.member_id() != Some(id) || patch.is_admin.is_some() {
        policy::require_admin(actor, "change other members")?;
    }
    let txn = write_txn(db).await?;
    let mut am = read::live_member(&txn, id, "id").await?.into_active_model();
    if let Some(v) = patch.display_name {
        am.display_name = Set(validate::required("display_name", &v, NAME_MAX)?);
    }
    if let Some(v) = patch.email {
        am.email = Set(email(v.as_deref())?);
    }
    if let Some(v) = patch.phone {
        am.phone = Set(phone(v.as_deref())?);
    }
    if let Some(v) = patch.matrix_user_id {
        let v = matrix_id(v.as_deref())?;
        if let Some(m) = &v {
            check_matrix_id_free(&txn, m, Some(id)).await?;
        }
        am.matrix_user_id = Set(v);
    }
    if let Some(v) = patch.organisation_id {
        if let Some(org) = v {
            read::live_organisation(&txn, org, "organisation_id").await?;
        }
        am.organisation_id = Set(v);
    }
    if let Some(v) = patch.is_admin {
        am.is_admin = Set(v);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit(
        &txn,
        EventKind::MemberUpdated,
        model.id,
        public_payload(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Archives a member (they left the federation); their history stays.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<member::Model> {
    policy::require_admin(actor, "archive members")?;
    let txn = write_txn(db).await?;
    let mut am = read::live_member(&txn, id, "id").await?.into_active_model();
    am.archived_at = Set(Some(now()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit(
        &txn,
        EventKind::MemberArchived,
        model.id,
        public_payload(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
