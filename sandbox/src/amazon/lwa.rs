//! Login with Amazon: the refresh-token grant at `POST /auth/o2/token` (amazon-mcf.md §1).
//! Errors use the OAuth 2.0 shape `{"error", "error_description"}`.

use axum::http::StatusCode;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Ctx;
use super::model::{ACCESS_TOKEN_TTL_SECS, State};
use crate::common::{FAULT_TIMEOUT_HOLD, FaultKind, now_secs};

pub(super) fn error(status: StatusCode, error: &str, description: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub(super) fn token(st: &mut State, ctx: &Ctx<'_>) -> (StatusCode, Value) {
    if !ctx
        .content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body must be application/x-www-form-urlencoded.",
        );
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(ctx.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let Some(grant_type) = field("grant_type") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is missing a required parameter : grant_type",
        );
    };
    if grant_type != "refresh_token" {
        return error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        );
    }
    for key in ["refresh_token", "client_id", "client_secret"] {
        if field(key).is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("The request is missing a required parameter : {key}"),
            );
        }
    }
    let (refresh, client_id, client_secret) = (
        field("refresh_token").unwrap_or_default(),
        field("client_id").unwrap_or_default(),
        field("client_secret").unwrap_or_default(),
    );
    if !same(client_id, &st.client_id) || !same(client_secret, &st.client_secret) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if st.refresh_revoked || !same(refresh, &st.refresh_token) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : refresh_token",
        );
    }
    let access_token = st.issue_access_token(now_secs());
    (
        StatusCode::OK,
        json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_TTL_SECS,
            "refresh_token": st.refresh_token,
        }),
    )
}

/// A scripted fault on the token endpoint, in the OAuth error shape.
pub(super) async fn fault(kind: FaultKind) -> (StatusCode, Value) {
    match kind {
        FaultKind::RateLimit => error(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            "Too many requests; retry later.",
        ),
        FaultKind::Http500 => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The authorization server encountered an unexpected condition.",
        ),
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            error(
                StatusCode::GATEWAY_TIMEOUT,
                "temporarily_unavailable",
                "The authorization server timed out.",
            )
        }
    }
}
