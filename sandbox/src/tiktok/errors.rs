//! TikTok error codes. Only 106001 is confirmed by the contract; the others are the sandbox's
//! documented choice within the families the contract names.
//!
//! | code | HTTP | meaning |
//! |---|---|---|
//! | 106001 | 401 | `sign` missing or invalid (confirmed) |
//! | 106002 | 401 | `app_key` missing/unknown; token endpoints: wrong app_key/app_secret |
//! | 106003 | 401 | `timestamp` missing, malformed or more than 300 s from server time |
//! | 105001 | 401 | `x-tts-access-token` missing or unknown (incl. replaced by a refresh) |
//! | 105002 | 401 | access token expired |
//! | 105003 | 400 | token/get: auth_code unknown, used or expired |
//! | 105004 | 400 | token/refresh: refresh_token unknown or expired |
//! | 105005 | 400 | token endpoints: wrong `grant_type` |
//! | 106011 | 403 | `shop_cipher` missing, unknown or not authorized for the token |
//! | 36009003 | 429 | rate limit (per app+shop token bucket) |
//! | 40006 | 400 | body is not JSON / wrong Content-Type |
//! | 40400 | 404 | no such API path |
//! | 50000 | 500/504 | internal error (scripted faults) |
//! | 12052xxx | 200 | product/catalog validation (see constants) |
//! | 38023xxx | 200 | EU manufacturer / responsible person validation; 38023050: not an EU shop |
//! | 21011xxx | 200 | order and cancellation validation |
//! | 21011003 | 200 | order or cancellation not found (also approve/reject of an unknown `cancel_id`) |
//! | 21011012 | 200 | approve/reject of a cancellation that is not `CANCELLATION_REQUEST_PENDING` (unconfirmed) |
//! | 21011013 | 200 | reject: `reject_reason` missing or not a code from `/reject_reasons` (unconfirmed) |
//! | 2400xxxx | 200 | fulfillment validation |
//! | 36004xxx | 200 | webhook subscription validation |

use axum::http::StatusCode;

pub(crate) const INVALID_SIGN: i64 = 106_001;
pub(crate) const INVALID_APP_KEY: i64 = 106_002;
pub(crate) const INVALID_TIMESTAMP: i64 = 106_003;
pub(crate) const INVALID_TOKEN: i64 = 105_001;
pub(crate) const EXPIRED_TOKEN: i64 = 105_002;
pub(crate) const INVALID_AUTH_CODE: i64 = 105_003;
pub(crate) const INVALID_REFRESH_TOKEN: i64 = 105_004;
pub(crate) const INVALID_GRANT_TYPE: i64 = 105_005;
pub(crate) const SHOP_NOT_AUTHORIZED: i64 = 106_011;
pub(crate) const RATE_LIMITED: i64 = 36_009_003;
pub(crate) const MALFORMED_BODY: i64 = 40_006;
pub(crate) const NOT_FOUND: i64 = 40_400;
pub(crate) const INTERNAL: i64 = 50_000;

// Products / catalog (12052xxx).
pub(crate) const P_INVALID_PARAM: i64 = 12_052_001;
pub(crate) const P_CATEGORY: i64 = 12_052_002;
pub(crate) const P_TITLE: i64 = 12_052_003;
pub(crate) const P_IMAGE: i64 = 12_052_004;
pub(crate) const P_SELLER_SKU: i64 = 12_052_005;
pub(crate) const P_DUPLICATE_SKU: i64 = 12_052_006;
pub(crate) const P_CURRENCY: i64 = 12_052_007;
pub(crate) const P_WAREHOUSE: i64 = 12_052_008;
pub(crate) const P_ATTRIBUTE: i64 = 12_052_009;
pub(crate) const P_NOT_FOUND: i64 = 12_052_010;
pub(crate) const P_SKU_NOT_IN_PRODUCT: i64 = 12_052_011;
pub(crate) const P_STATUS: i64 = 12_052_012;
pub(crate) const P_PRICE: i64 = 12_052_015;
pub(crate) const P_QUANTITY: i64 = 12_052_017;
pub(crate) const P_CATEGORY_VERSION: i64 = 12_052_018;
pub(crate) const P_BRAND: i64 = 12_052_019;
pub(crate) const P_PACKAGE: i64 = 12_052_020;
pub(crate) const P_FILE: i64 = 12_052_021;
pub(crate) const P_CERTIFICATION: i64 = 12_052_022;
pub(crate) const P_SIZE_CHART: i64 = 12_052_023;

// EU manufacturers and responsible persons (38023xxx; 38023050 = not supported for the shop).
pub(crate) const C_INVALID_PARAM: i64 = 38_023_001;
pub(crate) const C_NOT_SUPPORTED: i64 = 38_023_050;

// Orders and cancellations (21011xxx).
pub(crate) const O_INVALID_PARAM: i64 = 21_011_001;
pub(crate) const O_NOT_FOUND: i64 = 21_011_003;
pub(crate) const C_NOT_ALLOWED: i64 = 21_011_010;
pub(crate) const C_REASON: i64 = 21_011_011;
pub(crate) const C_NOT_PENDING: i64 = 21_011_012;
pub(crate) const C_REJECT_REASON: i64 = 21_011_013;

// Fulfillment (2400xxxx).
pub(crate) const F_INVALID_PARAM: i64 = 24_000_001;
pub(crate) const F_ORDER_NOT_FOUND: i64 = 24_000_002;
pub(crate) const F_TRACKING: i64 = 24_000_003;
pub(crate) const F_PROVIDER: i64 = 24_000_004;
pub(crate) const F_STATUS: i64 = 24_000_005;
pub(crate) const F_NOT_SELLER_SHIPPING: i64 = 24_000_006;
pub(crate) const F_LINE_ITEM: i64 = 24_000_007;
pub(crate) const F_PACKAGE_NOT_FOUND: i64 = 24_000_008;

// Webhook subscriptions (36004xxx).
pub(crate) const E_ADDRESS: i64 = 36_004_001;
pub(crate) const E_EVENT_TYPE: i64 = 36_004_002;
pub(crate) const E_NOT_FOUND: i64 = 36_004_003;

#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: i64,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn http(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A business error: HTTP 200 with a non-zero code.
    pub(crate) fn biz(code: i64, message: impl Into<String>) -> Self {
        Self::http(StatusCode::OK, code, message)
    }
}

pub(crate) fn rate_limited() -> ApiError {
    ApiError::http(
        StatusCode::TOO_MANY_REQUESTS,
        RATE_LIMITED,
        "Request frequency limit exceeded: too many requests for this app and shop. Back off and retry.",
    )
}
