//! Invoice, shipment and credit memo documents as the repositories answer them, and their
//! `searchCriteria` lists (`GET /V1/invoices`, `/V1/shipments`, `/V1/creditmemos`).

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::catalog::{Row, rows_search, unknown_column};
use super::model::{Document, State, mage_date, num};
use super::{ApiError, ApiResult, Ctx, Magento, path_id, state};

#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Invoice,
    Shipment,
    Creditmemo,
}

fn documents(st: &State, kind: Kind) -> &std::collections::BTreeMap<u64, Document> {
    match kind {
        Kind::Invoice => &st.invoices,
        Kind::Shipment => &st.shipments,
        Kind::Creditmemo => &st.creditmemos,
    }
}

fn document_json(st: &State, kind: Kind, doc: &Document) -> Value {
    let order = st.orders.get(&doc.order_id);
    let items: Vec<Value> = doc
        .items
        .iter()
        .map(|d| {
            let i = order.and_then(|o| o.item(d.order_item_id));
            json!({
                "entity_id": d.entity_id,
                "parent_id": doc.id,
                "order_item_id": d.order_item_id,
                "sku": i.map(|i| i.sku.clone()),
                "name": i.map(|i| i.name.clone()),
                "product_id": i.map(|i| i.product_id),
                "price": i.map_or(Value::Null, |i| num(i.price)),
                "qty": num(d.qty),
            })
        })
        .collect();
    let mut v = json!({
        "entity_id": doc.id,
        "increment_id": doc.increment_id,
        "order_id": doc.order_id,
        "store_id": 1,
        "created_at": mage_date(doc.created),
        "updated_at": mage_date(doc.updated),
        "items": items,
        "comments": [],
    });
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    match kind {
        Kind::Shipment => {
            let total_qty: Decimal = doc.items.iter().map(|i| i.qty).sum();
            o.insert("total_qty".into(), num(total_qty));
            o.insert("packages".into(), json!([]));
            o.insert(
                "tracks".into(),
                Value::Array(
                    doc.tracks
                        .iter()
                        .map(|t| {
                            json!({
                                "entity_id": t.id,
                                "parent_id": doc.id,
                                "order_id": doc.order_id,
                                "track_number": t.track_number,
                                "title": t.title,
                                "carrier_code": t.carrier_code,
                                "description": null,
                                "qty": null,
                                "weight": null,
                                "created_at": mage_date(t.created),
                                "updated_at": mage_date(t.created),
                            })
                        })
                        .collect(),
                ),
            );
            o.insert(
                "extension_attributes".into(),
                json!({"source_code": doc.source_code}),
            );
        }
        Kind::Invoice => {
            o.insert("grand_total".into(), num(doc.grand_total));
            o.insert("state".into(), json!(2));
        }
        Kind::Creditmemo => {
            o.insert("grand_total".into(), num(doc.grand_total));
            o.insert("state".into(), json!(2));
            o.insert("creditmemo_status".into(), Value::Null);
        }
    }
    v
}

fn document_row(st: &State, kind: Kind, doc: &Document) -> Row {
    let mut fields = Map::new();
    fields.insert("entity_id".into(), json!(doc.id));
    fields.insert("increment_id".into(), json!(doc.increment_id));
    fields.insert("order_id".into(), json!(doc.order_id));
    fields.insert("store_id".into(), json!(1));
    fields.insert("created_at".into(), json!(mage_date(doc.created)));
    fields.insert("updated_at".into(), json!(mage_date(doc.updated)));
    Row {
        json: document_json(st, kind, doc),
        fields,
    }
}

/// `GET /V1/invoices`, `/V1/shipments`, `/V1/creditmemos` with `searchCriteria`.
pub(crate) fn list(magento: &Magento, ctx: &Ctx, kind: Kind) -> ApiResult {
    let rows: Vec<Row> = {
        let st = state(magento);
        documents(&st, kind)
            .values()
            .map(|d| document_row(&st, kind, d))
            .collect()
    };
    rows_search(ctx, rows, unknown_column)
}

/// `GET /V1/shipment/:id`.
pub(crate) fn shipment(magento: &Magento, raw_id: &str) -> ApiResult {
    let id = path_id(raw_id)?;
    let st = state(magento);
    let doc = st.shipments.get(&id).ok_or_else(ApiError::entity_missing)?;
    Ok(document_json(&st, Kind::Shipment, doc))
}

/// An order's shipments or credit memos in API shape (control view).
pub(crate) fn order_documents(st: &State, kind: Kind, order_id: u64) -> Vec<Value> {
    documents(st, kind)
        .values()
        .filter(|d| d.order_id == order_id)
        .map(|d| document_json(st, kind, d))
        .collect()
}
