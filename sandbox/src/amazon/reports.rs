//! Reports 2021-06-30 for the seller's catalog (amazon-seller-central.md; model
//! `reports_2021-06-30.json`): `createReport` (202 `{reportId}`), `getReport`
//! (`processingStatus`), `getReportDocument` (`{reportDocumentId, url}`), and the document
//! itself at a presigned URL that takes no SP-API token.
//!
//! Simulator choices: only `GET_MERCHANT_LISTINGS_ALL_DATA` is served (another report type is
//! 400 `InvalidInput` naming it); a report is `IN_QUEUE` when created, `IN_PROGRESS` at the
//! first `getReport` and `DONE` at the next (its content is the catalog at that moment); a
//! document URL works for five minutes; the document is UTF-8, uncompressed.

use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

use super::model::State;
use super::seller::{fba_channel, quantity};
use super::{Amazon, ApiError, Ctx};
use crate::common::{iso8601, lock, now_millis};

pub(crate) const LISTINGS_REPORT: &str = "GET_MERCHANT_LISTINGS_ALL_DATA";
const URL_TTL_MS: i64 = 5 * 60 * 1000;

/// The columns of `GET_MERCHANT_LISTINGS_ALL_DATA`, in order.
const COLUMNS: &[&str] = &[
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    InQueue,
    InProgress,
    Done,
}

pub(crate) struct Report {
    id: String,
    marketplace_id: String,
    created_ms: i64,
    started_ms: Option<i64>,
    done_ms: Option<i64>,
    phase: Phase,
    document_id: String,
    content: Option<String>,
    /// The presigned URL's signature and when it stops working.
    signature: Option<(String, i64)>,
}

pub(super) fn create(st: &mut State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    if !ctx.content_type.starts_with("application/json") {
        return Err(ApiError::invalid("Content-Type must be application/json."));
    }
    let body: Value = serde_json::from_slice(ctx.body)
        .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}")))?;
    let report_type = body["reportType"]
        .as_str()
        .ok_or_else(|| ApiError::invalid("Missing required reportType."))?;
    let marketplaces: Vec<&str> = body["marketplaceIds"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if marketplaces.is_empty() {
        return Err(ApiError::invalid("Missing required marketplaceIds."));
    }
    for id in &marketplaces {
        st.marketplace.check(id).map_err(ApiError::invalid)?;
    }
    if report_type != LISTINGS_REPORT {
        return Err(ApiError::invalid(format!(
            "Report type {report_type} is not available in this sandbox; it serves {LISTINGS_REPORT}."
        )));
    }
    st.seller.next_report += 1;
    let id = st.seller.next_report.to_string();
    let document_id = format!(
        "amzn1.spdoc.1.4.{}.{}",
        st.marketplace.region().code().to_ascii_lowercase(),
        uuid::Uuid::new_v4()
    );
    st.seller.reports.insert(
        id.clone(),
        Report {
            id: id.clone(),
            marketplace_id: marketplaces[0].to_string(),
            created_ms: now_millis(),
            started_ms: None,
            done_ms: None,
            phase: Phase::InQueue,
            document_id,
            content: None,
            signature: None,
        },
    );
    Ok(json!({"reportId": id}))
}

pub(super) fn get(st: &mut State, id: &str) -> Result<Value, ApiError> {
    let now = now_millis();
    let phase = st
        .seller
        .reports
        .get(id)
        .map(|r| r.phase)
        .ok_or_else(|| ApiError::not_found(format!("Report {id} not found.")))?;
    let content = (phase == Phase::InProgress).then(|| document(st));
    let report = st
        .seller
        .reports
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("Report {id} not found.")))?;
    match phase {
        Phase::InQueue => {
            report.phase = Phase::InProgress;
            report.started_ms = Some(now);
        }
        Phase::InProgress => {
            report.phase = Phase::Done;
            report.done_ms = Some(now);
            report.content = content;
        }
        Phase::Done => {}
    }
    // The status as it was when asked: the work moves on between reads.
    let mut out = json!({
        "reportId": report.id,
        "reportType": LISTINGS_REPORT,
        "marketplaceIds": [report.marketplace_id],
        "createdTime": iso8601(report.created_ms),
        "processingStatus": match phase {
            Phase::InQueue => "IN_QUEUE",
            Phase::InProgress => "IN_PROGRESS",
            Phase::Done => "DONE",
        },
    });
    if phase != Phase::InQueue
        && let Some(started) = report.started_ms
    {
        out["processingStartTime"] = json!(iso8601(started));
    }
    if phase == Phase::Done {
        out["processingEndTime"] = json!(iso8601(report.done_ms.unwrap_or(now)));
        out["reportDocumentId"] = json!(report.document_id);
    }
    Ok(out)
}

pub(super) fn get_document(st: &mut State, document_id: &str) -> Result<Value, ApiError> {
    let base = st.seller.base_url.clone();
    let signature = hex::encode(uuid::Uuid::new_v4().as_bytes());
    let report = st
        .seller
        .reports
        .values_mut()
        .find(|r| r.document_id == document_id && r.phase == Phase::Done)
        .ok_or_else(|| ApiError::not_found(format!("Report document {document_id} not found.")))?;
    report.signature = Some((signature.clone(), now_millis() + URL_TTL_MS));
    Ok(json!({
        "reportDocumentId": document_id,
        "url": format!("{base}/report-documents/{document_id}?X-Amz-Signature={signature}"),
    }))
}

/// The TSV the report holds: one row per offer (parents have none).
fn document(st: &State) -> String {
    let mut out = COLUMNS.join("\t");
    out.push('\n');
    for listing in st.seller.listings.values().filter(|l| !l.is_parent()) {
        let qty = quantity(st, listing);
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|column| match *column {
                "item-name" => clean(&listing.item_name),
                "item-description" => clean(&listing.description),
                "listing-id" => format!("{}{}", &listing.asin[2..], listing.created_ms % 10_000),
                "seller-sku" => listing.sku.clone(),
                "price" => listing.price.map(|p| p.to_string()).unwrap_or_default(),
                "quantity" if !listing.fba => listing.mfn_quantity.to_string(),
                "open-date" => format!(
                    "{} UTC",
                    iso8601(listing.created_ms)
                        .replace('T', " ")
                        .trim_end_matches('Z')
                ),
                "image-url" => String::new(),
                "item-is-marketplace" => "y".to_string(),
                "product-id-type" => "1".to_string(),
                "item-condition" => "11".to_string(),
                "asin1" | "product-id" => listing.asin.clone(),
                "will-ship-internationally" => "1".to_string(),
                "expedited-shipping" => "N".to_string(),
                "pending-quantity" => "0".to_string(),
                "fulfillment-channel" => {
                    if listing.fba {
                        fba_channel(st.marketplace).to_string()
                    } else {
                        "DEFAULT".to_string()
                    }
                }
                "merchant-shipping-group" => "Migrated Template".to_string(),
                "status" => if qty > 0 { "Active" } else { "Inactive" }.to_string(),
                _ => String::new(),
            })
            .collect();
        out.push_str(&row.join("\t"));
        out.push('\n');
    }
    out
}

/// `GET /report-documents/{id}?X-Amz-Signature=...`: the presigned download (no SP-API auth).
pub(super) async fn download(
    AxState(amazon): AxState<Amazon>,
    Path(document_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let st = lock(&amazon.state);
    let report = st
        .seller
        .reports
        .values()
        .find(|r| r.document_id == document_id);
    let signed = query.get("X-Amz-Signature");
    match report {
        Some(Report {
            content: Some(content),
            signature: Some((signature, expires)),
            ..
        }) if signed == Some(signature) && *expires > now_millis() => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/tab-separated-values;charset=UTF-8",
            )],
            content.clone(),
        )
            .into_response(),
        _ => (
            StatusCode::FORBIDDEN,
            [(axum::http::header::CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match</Message></Error>",
        )
            .into_response(),
    }
}
