//! Mutation payloads: the changed object and `userErrors`, made from a use
//! case's result by [`errors::outcome`](super::errors::outcome). One macro
//! for every payload, so they all behave the same.

/// A GraphQL object type that wraps a domain model.
pub(crate) trait Wrap {
    type Model;
    fn wrap(m: Self::Model) -> Self;
}

/// Implements [`Wrap`] for newtype object types.
macro_rules! wrap {
    ($($ty:ident => $model:ty),+ $(,)?) => {
        $(impl $crate::graphql::payload::Wrap for $ty {
            type Model = $model;
            fn wrap(m: $model) -> Self {
                $ty(m)
            }
        })+
    };
}

/// Declares `$name { $field: Option<$ty>, userErrors }` with a `from`
/// that turns a use case's result into it.
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident, $field:ident: $ty:ident) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The object as it is now; null when the mutation failed.
            pub $field: Option<$ty>,
            /// What was wrong with the input; empty on success.
            pub user_errors: Vec<$crate::graphql::errors::UserError>,
        }

        impl $name {
            fn from(
                r: Result<<$ty as $crate::graphql::payload::Wrap>::Model, entities::DomainError>,
            ) -> async_graphql::Result<Self> {
                let (v, user_errors) = $crate::graphql::errors::outcome(r)?;
                Ok(Self { $field: v.map(<$ty as $crate::graphql::payload::Wrap>::wrap), user_errors })
            }
        }
    };
}

pub(crate) use {payload, wrap};
