//! The OpenAPI shape of channel inputs: `oneOf` by `kind`, so a partner's generated client
//! knows each kind's settings and credentials. The bodies are read as JSON and checked per
//! kind by `config`, whose types these schemas name.

use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, Discriminator, Object, ObjectBuilder, OneOfBuilder, Schema,
    Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::config::{
    ApiCredentials, ApiSettings, FacebookCredentials, FacebookSettings, InstagramCredentials,
    InstagramSettings, TelegramCredentials, TelegramSettings, WhatsappCredentials,
    WhatsappSettings, XCredentials, XSettings,
};
use crate::service::channels::{ChannelPatch, NewChannel};
use crate::views::{ChannelHealth, ChannelKind};

/// Each kind with the names of its settings and credentials schemas.
const KINDS: [(ChannelKind, &str, &str); 6] = [
    (ChannelKind::X, "XSettings", "XCredentials"),
    (
        ChannelKind::Facebook,
        "FacebookSettings",
        "FacebookCredentials",
    ),
    (
        ChannelKind::Instagram,
        "InstagramSettings",
        "InstagramCredentials",
    ),
    (
        ChannelKind::Whatsapp,
        "WhatsappSettings",
        "WhatsappCredentials",
    ),
    (
        ChannelKind::Telegram,
        "TelegramSettings",
        "TelegramCredentials",
    ),
    (ChannelKind::Api, "ApiSettings", "ApiCredentials"),
];

fn string(description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .build()
}

fn closed(builder: ObjectBuilder) -> ObjectBuilder {
    builder.additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
}

fn new_channel_of(kind: ChannelKind, settings: &str, credentials: &str) -> Object {
    let kind_name = kind.as_str();
    closed(
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(format!("A new `{kind_name}` channel.")))
            .property(
                "kind",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([kind_name])),
            )
            .required("kind")
            .property("name", string("Name shown to agents (1–120 characters)."))
            .required("name")
            .property("settings", Ref::from_schema_name(settings))
            .property("credentials", Ref::from_schema_name(credentials)),
    )
    .build()
}

impl PartialSchema for NewChannel {
    fn schema() -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new()
            .description(Some(
                "`POST /v1/workspaces/{ws}/channels`: settings and credentials take the fields \
                 of the kind. Credentials are sealed at rest and never returned; a channel \
                 lacking any its kind requires is in health `needs_credentials`.",
            ))
            .discriminator(Some(Discriminator::new("kind")));
        for (kind, settings, credentials) in KINDS {
            one_of = one_of.item(new_channel_of(kind, settings, credentials));
        }
        one_of.into()
    }
}

impl ToSchema for NewChannel {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        kind_schemas(schemas);
    }
}

/// Any of the kinds' objects: their fields are all optional, so `{}` is each of them and
/// `oneOf` would be wrong.
fn any_of_refs(names: impl Iterator<Item = &'static str>, description: &str) -> RefOr<Schema> {
    let mut any_of = AnyOfBuilder::new().description(Some(description));
    for name in names {
        any_of = any_of.item(Ref::from_schema_name(name));
    }
    any_of.into()
}

impl PartialSchema for ChannelPatch {
    fn schema() -> RefOr<Schema> {
        let health = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([
                ChannelHealth::Active.as_str(),
                ChannelHealth::Disabled.as_str(),
            ]))
            .description(Some(
                "`active` or `disabled`; the other states are Earshot's.",
            ));
        closed(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some(
                    "`PATCH /v1/workspaces/{ws}/channels/{id}`: only the fields present change.",
                ))
                .property("name", string("New name."))
                .property(
                    "settings",
                    any_of_refs(
                        KINDS.iter().map(|k| k.1),
                        "Replaces the settings (the fields of the channel's kind).",
                    ),
                )
                .property(
                    "credentials",
                    any_of_refs(
                        KINDS.iter().map(|k| k.2),
                        "Sets the credentials named (a `null` value removes one); `null` \
                         instead of an object removes them all.",
                    ),
                )
                .property("health", health),
        )
        .build()
        .into()
    }
}

impl ToSchema for ChannelPatch {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        kind_schemas(schemas);
    }
}

/// The settings and credentials schemas of every kind.
fn kind_schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.extend([
        ("XSettings".to_owned(), XSettings::schema()),
        ("FacebookSettings".to_owned(), FacebookSettings::schema()),
        ("InstagramSettings".to_owned(), InstagramSettings::schema()),
        ("WhatsappSettings".to_owned(), WhatsappSettings::schema()),
        ("TelegramSettings".to_owned(), TelegramSettings::schema()),
        ("ApiSettings".to_owned(), ApiSettings::schema()),
        ("XCredentials".to_owned(), XCredentials::schema()),
        (
            "FacebookCredentials".to_owned(),
            FacebookCredentials::schema(),
        ),
        (
            "InstagramCredentials".to_owned(),
            InstagramCredentials::schema(),
        ),
        (
            "WhatsappCredentials".to_owned(),
            WhatsappCredentials::schema(),
        ),
        (
            "TelegramCredentials".to_owned(),
            TelegramCredentials::schema(),
        ),
        ("ApiCredentials".to_owned(), ApiCredentials::schema()),
    ]);
}

/// The settings a channel shows: those of its kind.
pub fn shown_settings_schema() -> RefOr<Schema> {
    any_of_refs(
        KINDS.iter().map(|k| k.1),
        "Non-secret settings: the fields of the channel's kind.",
    )
}
