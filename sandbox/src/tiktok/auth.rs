//! `/api/v2/token/get` and `/api/v2/token/refresh` (not signed; the app secret is a parameter).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Ctx;
use super::errors::{self, ApiError};
use super::model::{ACCESS_TTL, AccessToken, REFRESH_TTL, RefreshToken, State};
use crate::common::now_secs;

const GRANTED_SCOPES: &[&str] = &[
    "seller.authorization.info",
    "seller.shop.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.logistics",
    "seller.return_refund.basic",
    "seller.product.optimize",
];

fn check_app(st: &State, ctx: &Ctx<'_>, grant: &str) -> Result<(), ApiError> {
    let key = ctx.q("app_key").unwrap_or("");
    let secret = ctx.q("app_secret").unwrap_or("");
    if key != st.app_key || secret != st.app_secret {
        return Err(ApiError::http(
            StatusCode::UNAUTHORIZED,
            errors::INVALID_APP_KEY,
            "Invalid credentials. 'app_key' and 'app_secret' do not match a registered app.",
        ));
    }
    let given = ctx.q("grant_type").unwrap_or("");
    if given != grant {
        return Err(ApiError::http(
            StatusCode::BAD_REQUEST,
            errors::INVALID_GRANT_TYPE,
            format!("Invalid 'grant_type' '{given}': this endpoint requires grant_type={grant}."),
        ));
    }
    Ok(())
}

fn issue(st: &mut State, now: i64) -> Value {
    let access = st.ids.token("ROW_", 40);
    let refresh = st.ids.token("ROW_", 40);
    st.access_tokens.insert(
        access.clone(),
        AccessToken {
            expires_at: now + ACCESS_TTL,
        },
    );
    st.refresh_tokens.insert(
        refresh.clone(),
        RefreshToken {
            expires_at: now + REFRESH_TTL,
            access_token: access.clone(),
        },
    );
    json!({
        "access_token": access,
        "access_token_expire_in": now + ACCESS_TTL,
        "refresh_token": refresh,
        "refresh_token_expire_in": now + REFRESH_TTL,
        "open_id": st.open_id,
        "seller_name": st.seller_name,
        "seller_base_region": st.shop.region,
        "user_type": 0,
        "granted_scopes": GRANTED_SCOPES,
    })
}

pub(crate) fn token_get(st: &mut State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    check_app(st, ctx, "authorized_code")?;
    let now = now_secs();
    let code = ctx.q("auth_code").unwrap_or("");
    match st.auth_codes.remove(code) {
        Some(expires) if expires > now => Ok(issue(st, now)),
        Some(_) => Err(ApiError::http(
            StatusCode::BAD_REQUEST,
            errors::INVALID_AUTH_CODE,
            "Invalid 'auth_code': the code has expired; ask the seller to authorize again.",
        )),
        None => Err(ApiError::http(
            StatusCode::BAD_REQUEST,
            errors::INVALID_AUTH_CODE,
            "Invalid 'auth_code': unknown or already used (codes are single-use).",
        )),
    }
}

pub(crate) fn token_refresh(st: &mut State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    check_app(st, ctx, "refresh_token")?;
    let now = now_secs();
    let given = ctx.q("refresh_token").unwrap_or("");
    let Some(old) = st.refresh_tokens.remove(given) else {
        return Err(ApiError::http(
            StatusCode::BAD_REQUEST,
            errors::INVALID_REFRESH_TOKEN,
            "Invalid 'refresh_token': unknown or already used; the seller must re-authorize.",
        ));
    };
    if old.expires_at <= now {
        return Err(ApiError::http(
            StatusCode::BAD_REQUEST,
            errors::INVALID_REFRESH_TOKEN,
            "Invalid 'refresh_token': it has expired; the seller must re-authorize.",
        ));
    }
    // A refresh replaces the pair: the old access token stops working.
    st.access_tokens.remove(&old.access_token);
    Ok(issue(st, now))
}
