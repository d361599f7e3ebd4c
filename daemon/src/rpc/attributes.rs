//! TikTok product attribute values: the form for a listing or a category's defaults, setting
//! them by name, and a shop's rules taking attributes from store options.

use super::orders::shop_connection;
use super::{ConsoleServer, internal};
use crate::store::{self, ListingDraft};
use crate::sync::attributes::{self, CachedAttribute, Chosen};
use crate::sync::catalog;
use feedbridge_common::attributes::{
    AttributeForm, AttributeRule, AttributeTarget, AttributeValue, RuleSource,
};
use feedbridge_common::rpc::RpcError;

/// What a target's attributes are checked against, and what applies to it.
struct Scope {
    shop_id: i64,
    category_id: String,
    title: String,
    /// Present for a listing: its values, store options and the shop's rules apply.
    draft: Option<ListingDraft>,
    attributes: Vec<CachedAttribute>,
}

async fn scope(server: &ConsoleServer, target: &AttributeTarget) -> Result<Scope, RpcError> {
    let (shop_id, category_id, title, draft) = match target {
        AttributeTarget::Listing { listing_id } => {
            let listing_id = *listing_id;
            let draft = super::listing::listing_draft(server, listing_id).await?;
            let Some(category_id) = draft.category_id.clone() else {
                return Err(RpcError::Invalid(format!(
                    "{} has no TikTok category yet: map one first (its attributes depend on it)",
                    draft.title
                )));
            };
            (draft.shop_id, category_id, draft.title.clone(), Some(draft))
        }
        AttributeTarget::Category { shop, category_id } => (
            shop_connection(server, shop)?,
            category_id.clone(),
            format!("every {shop} listing in category {category_id}"),
            None,
        ),
    };
    let Some((_, shop)) = server.engine.shop(shop_id) else {
        return Err(RpcError::NotFound(
            "the listing's TikTok shop is no longer configured".into(),
        ));
    };
    let requirements =
        catalog::requirements(&server.engine, shop_id, shop.client.as_ref(), &category_id)
            .await
            .map_err(|error| {
                RpcError::Invalid(format!(
                    "Could not read the attributes of category {category_id} from TikTok: {error}"
                ))
            })?;
    Ok(Scope {
        shop_id,
        category_id,
        title,
        draft,
        attributes: requirements.attributes,
    })
}

/// A listing's (or a category's default) attribute fields, resolved and checked.
pub async fn attribute_form(
    server: &ConsoleServer,
    target: AttributeTarget,
) -> Result<AttributeForm, RpcError> {
    let scope = scope(server, &target).await?;
    let (shop_id, category) = (scope.shop_id, scope.category_id.clone());
    let listing_id = scope.draft.as_ref().map(|d| d.listing_id);
    let (listing, defaults, rules) = server
        .engine
        .store
        .read(move |conn| {
            Ok((
                match listing_id {
                    Some(id) => store::listing_attribute_values(conn, id)?,
                    None => Vec::new(),
                },
                store::category_attribute_defaults(conn, shop_id, &category)?,
                match listing_id {
                    Some(_) => store::attribute_rules(conn, shop_id)?,
                    None => Vec::new(),
                },
            ))
        })
        .await
        .map_err(internal)?;
    let variants = scope
        .draft
        .as_ref()
        .map(catalog::listed_variants)
        .unwrap_or_default();
    let chosen = Chosen {
        listing: &listing,
        category_defaults: &defaults,
        rules: &rules,
    };
    Ok(AttributeForm {
        target,
        title: scope.title,
        category_id: scope.category_id,
        fields: attributes::resolve(
            &scope.attributes,
            &chosen,
            &attributes::StoreSide {
                variants: &variants,
                facts: scope.draft.as_ref().map(|d| &d.facts),
            },
        ),
    })
}

/// Set attributes by name to values by name (an empty list unsets). Every value is checked
/// before any is saved: one refusal saves nothing.
pub async fn set_attributes(
    server: &ConsoleServer,
    target: AttributeTarget,
    values: Vec<(String, Vec<String>)>,
) -> Result<String, RpcError> {
    if values.is_empty() {
        return Err(RpcError::Invalid(
            "name at least one attribute, e.g. \"Material=Cotton\"".into(),
        ));
    }
    let scope = scope(server, &target).await?;
    let mut checked: Vec<AttributeValue> = Vec::new();
    let mut said = Vec::new();
    for (key, names) in &values {
        let attribute = attributes::find(&scope.attributes, key).map_err(RpcError::Invalid)?;
        let value = if names.iter().all(|n| n.trim().is_empty()) {
            said.push(format!("{} unset", attribute.name));
            AttributeValue {
                attribute_id: attribute.id.clone(),
                ..AttributeValue::default()
            }
        } else {
            let value =
                attributes::value_from_names(attribute, names).map_err(RpcError::Invalid)?;
            said.push(format!("{} = {}", attribute.name, names.join(", ")));
            value
        };
        checked.push(value);
    }
    let (shop_id, category) = (scope.shop_id, scope.category_id.clone());
    let listing_id = scope.draft.as_ref().map(|d| d.listing_id);
    server
        .engine
        .store
        .call(move |tx| {
            for value in &checked {
                match listing_id {
                    Some(id) => store::set_listing_attribute_value(tx, id, value)?,
                    None => store::set_category_attribute_default(tx, shop_id, &category, value)?,
                }
            }
            Ok(())
        })
        .await
        .map_err(internal)?;
    let next = match listing_id {
        Some(id) => format!(" List it (or `feedbridge resubmit {id}`) to send them to TikTok."),
        None => " Listings in the category without their own value use it.".into(),
    };
    Ok(format!("{}: {}.{next}", scope.title, said.join("; ")))
}

pub async fn attribute_rules(
    server: &ConsoleServer,
    shop: String,
) -> Result<Vec<AttributeRule>, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .read(move |conn| store::attribute_rules(conn, connection))
        .await
        .map_err(internal)
}

pub async fn set_attribute_rule(
    server: &ConsoleServer,
    shop: String,
    attribute: String,
    source: Option<RuleSource>,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    let attribute = attribute.trim().to_owned();
    // Checked again here: the RPC may come from elsewhere than the CLI's parser.
    let source = match source {
        Some(source) => Some(RuleSource::parse(&source.spec()).map_err(RpcError::Invalid)?),
        None => None,
    };
    if attribute.is_empty() {
        return Err(RpcError::Invalid(
            "a rule needs an attribute name and a store field".into(),
        ));
    }
    let (name, stored) = (attribute.clone(), source.clone());
    let changed = server
        .engine
        .store
        .call(move |conn| store::set_attribute_rule(conn, connection, &name, stored.as_ref()))
        .await
        .map_err(internal)?;
    Ok(match (source, changed) {
        (Some(source), _) => format!(
            "{shop}: {attribute} now takes the {} where a listing sets no value of its own and its category no default.",
            source.label()
        ),
        (None, true) => format!("{shop}: {attribute} no longer follows a rule."),
        (None, false) => format!("{shop}: {attribute} had no rule."),
    })
}
