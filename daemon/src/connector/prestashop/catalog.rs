//! The shop's setup (name, currency, language, carrier, time zone), the catalog (products with
//! their combinations) and stock (`stock_availables`).

use super::wire::{self, OrderState, decimal, field, id_field, need, need_id, rows};
use super::{PAGE_SIZE, PrestaShopClient, ShopSetup, facts, lock, one_of};
use crate::connector::{
    ConnectorError, ConnectorResult, ItemLevels, LocationLevel, Page, StoreProduct, StoreUnits,
    StoreVariant,
};
use feedbridge_common::measure::parse_figure;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The one stock location PrestaShop has (per shop).
pub(super) const LOCATION: &str = "shop";

/// Zones read exactly (every other zone widens the polling window).
fn is_utc(zone: &str) -> bool {
    matches!(
        zone.trim(),
        "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Universal" | "Zulu" | ""
    )
}

/// A combination's weight: its `weight` is an impact added to the product's.
fn combination_weight(product: Option<Decimal>, impact: &str) -> Option<Decimal> {
    match (product, parse_figure(impact)) {
        (None, None) => None,
        (base, impact) => Some(base.unwrap_or_default() + impact.unwrap_or_default()),
    }
}

/// Where a SKU lives: its product and combination (0 = the product itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Located {
    pub product: u64,
    pub combination: u64,
}

impl PrestaShopClient {
    /// Reads the shop's configuration (and its default currency) again.
    pub(super) async fn read_setup(&self) -> ConnectorResult<ShopSetup> {
        let names = [
            "PS_SHOP_NAME",
            "PS_CURRENCY_DEFAULT",
            "PS_LANG_DEFAULT",
            "PS_CARRIER_DEFAULT",
            "PS_COUNTRY_DEFAULT",
            "PS_TIMEZONE",
            "PS_WEIGHT_UNIT",
            "PS_DIMENSION_UNIT",
        ];
        let configs = self
            .list(
                "configurations",
                &[
                    ("display", "[name,value]".into()),
                    ("filter[name]", one_of(&names)),
                ],
            )
            .await?;
        let value = |name: &str| {
            configs
                .iter()
                .find(|c| field(c, "name") == name)
                .map(|c| field(c, "value"))
                .unwrap_or_default()
        };
        let currency_id: u64 = value("PS_CURRENCY_DEFAULT").trim().parse().unwrap_or(0);
        let currency = self
            .one("currencies", "currency", currency_id)
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("PrestaShop's default currency (PS_CURRENCY_DEFAULT = {currency_id}) does not exist; set one under International > Localization > Currencies"),
                raw: String::new(),
            })?;
        let setup = ShopSetup {
            name: value("PS_SHOP_NAME"),
            currency_id,
            currency: need(&currency, "currency", "iso_code")?,
            lang: value("PS_LANG_DEFAULT").trim().parse().unwrap_or(1),
            carrier: value("PS_CARRIER_DEFAULT").trim().parse().unwrap_or(0),
            country: value("PS_COUNTRY_DEFAULT").trim().parse().unwrap_or(0),
            utc: is_utc(&value("PS_TIMEZONE")),
            units: StoreUnits::named(&value("PS_WEIGHT_UNIT"), &value("PS_DIMENSION_UNIT")),
        };
        if setup.units.weight.is_none() || setup.units.length.is_none() {
            tracing::warn!(platform = "prestashop", weight_unit = %value("PS_WEIGHT_UNIT"), dimension_unit = %value("PS_DIMENSION_UNIT"),
                "Unknown shop unit; those figures are left to the shop's package defaults.");
        }
        *lock(&self.setup) = Some(setup.clone());
        Ok(setup)
    }

    /// The setup read at the first call (name and currency: [`Self::read_setup`] each time).
    pub(super) async fn shop_setup(&self) -> ConnectorResult<ShopSetup> {
        self.read_setup().await
    }

    pub(super) async fn cached_setup(&self) -> ConnectorResult<ShopSetup> {
        if let Some(s) = lock(&self.setup).clone() {
            return Ok(s);
        }
        self.read_setup().await
    }

    /// The shop's order states (read once).
    pub(super) async fn order_states(&self) -> ConnectorResult<Vec<OrderState>> {
        if let Some(s) = lock(&self.states).clone() {
            return Ok(s);
        }
        let states = self
            .list("order_states", &[("display", "full".into())])
            .await?
            .iter()
            .map(OrderState::read)
            .collect::<ConnectorResult<Vec<_>>>()?;
        *lock(&self.states) = Some(states.clone());
        Ok(states)
    }

    pub(super) async fn product_page(&self, offset: usize) -> ConnectorResult<Page<StoreProduct>> {
        let products = self
            .list(
                "products",
                &[
                    ("display", "full".into()),
                    ("date", "1".into()),
                    ("sort", "[date_upd_ASC,id_ASC]".into()),
                    ("limit", format!("{offset},{PAGE_SIZE}")),
                ],
            )
            .await?;
        let next = (products.len() == PAGE_SIZE).then(|| (offset + PAGE_SIZE).to_string());
        Ok(Page {
            items: self.store_products(&products, offset == 0).await?,
            next,
        })
    }

    pub(super) async fn product_by_id(&self, id: u64) -> ConnectorResult<Option<StoreProduct>> {
        let Some(product) = self.one("products", "product", id).await? else {
            return Ok(None);
        };
        Ok(self.store_products(&[product], false).await?.pop())
    }

    /// `first_of_read`: the first page of a catalog read (the facts' names are read again).
    async fn store_products(
        &self,
        products: &[Value],
        first_of_read: bool,
    ) -> ConnectorResult<Vec<StoreProduct>> {
        let ids: Vec<u64> = products.iter().map(|p| id_field(p, "id")).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let setup = self.cached_setup().await?;
        let units = setup.units;
        let vocabulary = self.vocabulary(products, first_of_read, setup.lang).await?;
        let brands = self.brands_of(products).await?;
        let combinations = self.by_ids("combinations", "id_product", &ids).await?;
        let stock = self.by_ids("stock_availables", "id_product", &ids).await?;
        let value_ids: Vec<u64> = {
            let mut v: Vec<u64> = combinations
                .iter()
                .flat_map(|c| {
                    rows(c, "product_option_values")
                        .iter()
                        .map(|r| id_field(r, "id"))
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let values = self
            .by_ids("product_option_values", "id", &value_ids)
            .await?;
        let group_ids: Vec<u64> = {
            let mut g: Vec<u64> = values
                .iter()
                .map(|v| id_field(v, "id_attribute_group"))
                .collect();
            g.sort_unstable();
            g.dedup();
            g
        };
        let groups = self.by_ids("product_options", "id", &group_ids).await?;
        let group_name: HashMap<u64, String> = groups
            .iter()
            .map(|g| {
                (id_field(g, "id"), {
                    let public = field(g, "public_name");
                    if public.is_empty() {
                        field(g, "name")
                    } else {
                        public
                    }
                })
            })
            .collect();
        let option: HashMap<u64, (String, String)> = values
            .iter()
            .map(|v| {
                let group = group_name
                    .get(&id_field(v, "id_attribute_group"))
                    .cloned()
                    .unwrap_or_default();
                (id_field(v, "id"), (group, field(v, "name")))
            })
            .collect();
        let quantity: HashMap<(u64, u64), i64> = stock
            .iter()
            .map(|r| {
                let q = field(r, "quantity").trim().parse().unwrap_or(0);
                (
                    (
                        id_field(r, "id_product"),
                        id_field(r, "id_product_attribute"),
                    ),
                    q,
                )
            })
            .collect();
        let mut by_product: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
        for c in &combinations {
            by_product
                .entry(id_field(c, "id_product"))
                .or_default()
                .push(c);
        }
        let base = self.api.trim_end_matches("/api").to_owned();
        let mut out = Vec::with_capacity(products.len());
        for p in products {
            let id = need_id(p, "product")?;
            let price = decimal(p, "product", "price")?;
            let slug = field(p, "link_rewrite");
            let image_urls = rows(p, "images")
                .iter()
                .map(|i| {
                    format!(
                        "{base}/{}-large_default/{}.jpg",
                        id_field(i, "id"),
                        if slug.is_empty() { "product" } else { &slug }
                    )
                })
                .collect();
            let active = field(p, "active") != "0";
            let product_weight = parse_figure(&field(p, "weight"));
            // PrestaShop's width, height and depth: depth is the package's length.
            let dimensions = (
                parse_figure(&field(p, "depth")),
                parse_figure(&field(p, "width")),
                parse_figure(&field(p, "height")),
            );
            let mut variants = Vec::new();
            let combos = by_product.remove(&id).unwrap_or_default();
            if !active {
                // A disabled product cannot be sold: no variant to list.
            } else if combos.is_empty() {
                let sku = field(p, "reference");
                variants.push(StoreVariant {
                    id: sku.clone(),
                    sku: sku.clone(),
                    title: "Default Title".into(),
                    price: price.round_dp(2),
                    available: quantity.get(&(id, 0)).copied().unwrap_or(0),
                    inventory_item_id: (!sku.is_empty()).then_some(sku),
                    options: Vec::new(),
                    measures: units.measures(product_weight, dimensions),
                });
            } else {
                for c in combos {
                    let cid = need_id(c, "combination")?;
                    let sku = need(c, "combination", "reference")?;
                    let options: Vec<(String, String)> = rows(c, "product_option_values")
                        .iter()
                        .filter_map(|r| option.get(&id_field(r, "id")).cloned())
                        .collect();
                    let title = options
                        .iter()
                        .map(|(_, v)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(" / ");
                    variants.push(StoreVariant {
                        id: sku.clone(),
                        sku: sku.clone(),
                        title,
                        price: (price + decimal(c, "combination", "price")?).round_dp(2),
                        available: quantity.get(&(id, cid)).copied().unwrap_or(0),
                        inventory_item_id: (!sku.is_empty()).then_some(sku),
                        options,
                        measures: units.measures(
                            combination_weight(product_weight, &field(c, "weight")),
                            dimensions,
                        ),
                    });
                }
            }
            if active
                && variants.iter().any(|v| v.sku.trim().is_empty())
                && lock(&self.no_reference).insert(id)
            {
                tracing::warn!(
                    platform = "prestashop",
                    product_id = id,
                    product = %field(p, "name"),
                    "{}",
                    no_reference_hint(&field(p, "name"), !rows(p, "combinations").is_empty())
                );
            }
            out.push(StoreProduct {
                id: id.to_string(),
                title: field(p, "name"),
                description_html: field(p, "description"),
                image_urls,
                updated_at: wire::iso(&field(p, "date_upd")),
                variants,
                facts: facts::product_facts(p, &vocabulary, &brands, setup.lang),
            });
        }
        Ok(out)
    }

    /// Where each SKU lives: combinations by `reference`, then products without combinations.
    pub(super) async fn locate(
        &self,
        skus: &[String],
    ) -> ConnectorResult<HashMap<String, Located>> {
        let mut found = HashMap::new();
        let wanted: Vec<&String> = skus.iter().filter(|s| !s.is_empty()).collect();
        for chunk in wanted.chunks(super::IDS_PER_FILTER) {
            let combos = self
                .list(
                    "combinations",
                    &[
                        ("display", "[id,id_product,reference]".into()),
                        ("filter[reference]", one_of(chunk)),
                    ],
                )
                .await?;
            for c in &combos {
                found.entry(field(c, "reference")).or_insert(Located {
                    product: id_field(c, "id_product"),
                    combination: id_field(c, "id"),
                });
            }
            let rest: Vec<&&String> = chunk
                .iter()
                .filter(|s| !found.contains_key(s.as_str()))
                .collect();
            if rest.is_empty() {
                continue;
            }
            let products = self
                .list(
                    "products",
                    &[
                        ("display", "full".into()),
                        ("filter[reference]", one_of(&rest)),
                    ],
                )
                .await?;
            for p in products
                .iter()
                .filter(|p| rows(p, "combinations").is_empty())
            {
                found.entry(field(p, "reference")).or_insert(Located {
                    product: id_field(p, "id"),
                    combination: 0,
                });
            }
        }
        Ok(found)
    }

    /// The stock row of each located SKU: `(stock_available id, quantity, the row)`.
    pub(super) async fn stock_rows(
        &self,
        located: &[Located],
    ) -> ConnectorResult<HashMap<(u64, u64), Value>> {
        let mut products: Vec<u64> = located.iter().map(|l| l.product).collect();
        products.sort_unstable();
        products.dedup();
        Ok(self
            .by_ids("stock_availables", "id_product", &products)
            .await?
            .into_iter()
            .map(|r| {
                (
                    (
                        id_field(&r, "id_product"),
                        id_field(&r, "id_product_attribute"),
                    ),
                    r,
                )
            })
            .collect())
    }

    pub(super) async fn levels(&self, skus: &[String]) -> ConnectorResult<Vec<ItemLevels>> {
        let located = self.locate(skus).await?;
        let rows = self
            .stock_rows(&located.values().copied().collect::<Vec<_>>())
            .await?;
        let now = crate::connector::prestashop::wire::iso(&wire::ps_text(self.clock.now()));
        Ok(skus
            .iter()
            .filter_map(|sku| {
                let at = located.get(sku)?;
                let row = rows.get(&(at.product, at.combination))?;
                Some(ItemLevels {
                    inventory_item_id: sku.clone(),
                    levels: vec![LocationLevel {
                        location_id: LOCATION.into(),
                        available: field(row, "quantity").trim().parse().unwrap_or(0),
                        updated_at: now.clone(),
                    }],
                })
            })
            .collect())
    }

    /// Moves a SKU's stock by `delta` (read the row, PUT it back whole).
    pub(super) async fn move_stock(&self, at: Located, delta: i64) -> ConnectorResult<()> {
        let rows = self.stock_rows(&[at]).await?;
        let row =
            rows.get(&(at.product, at.combination))
                .ok_or_else(|| ConnectorError::Rejected {
                    reason: format!(
                        "PrestaShop has no stock row for product {} combination {}",
                        at.product, at.combination
                    ),
                    raw: String::new(),
                })?;
        let id = need_id(row, "stock_available")?;
        let quantity: i64 = field(row, "quantity").trim().parse().unwrap_or(0) + delta;
        let mut fields = wire::fields_of(row);
        for (k, v) in &mut fields {
            if k == "quantity" {
                *v = quantity.to_string();
            }
        }
        let fields: Vec<(&str, String)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let _ = self
            .save(
                reqwest::Method::PUT,
                &format!("stock_availables/{id}"),
                "stock_available",
                wire::document("stock_available", &fields, ""),
            )
            .await?;
        Ok(())
    }
}

/// What to do about a product (or its combinations) without a Reference, PrestaShop's SKU.
pub(super) fn no_reference_hint(product: &str, combinations: bool) -> String {
    if combinations {
        format!(
            "PrestaShop product \"{product}\" has combinations without a Reference (PrestaShop's SKU field), which cannot be listed on TikTok; set each one under Catalog > Products > {product} > Combinations > Reference"
        )
    } else {
        format!(
            "PrestaShop product \"{product}\" has no Reference (PrestaShop's SKU field), so it cannot be listed on TikTok; set it under Catalog > Products > {product} > Reference"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_reference_names_the_field_and_where_to_set_it() {
        let hint = no_reference_hint("Tee", false);
        assert!(
            hint.contains("Reference") && hint.contains("Catalog > Products > Tee > Reference"),
            "{hint}"
        );
        assert!(no_reference_hint("Tee", true).contains("Combinations > Reference"));
    }

    #[test]
    fn utc_zones_are_read_exactly() {
        assert!(is_utc("UTC") && is_utc("Etc/UTC"));
        assert!(!is_utc("Europe/Paris"));
    }

    #[test]
    fn unused_fields_of_a_wrong_price_are_named() {
        let e = decimal(&serde_json::json!({"price": "abc"}), "product", "price").unwrap_err();
        assert!(e.to_string().contains("\"price\" is \"abc\""), "{e}");
    }
}
