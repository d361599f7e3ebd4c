//! Several TikTok shops of one app behind one Open API host, as TikTok serves a seller with
//! shops in several markets: each shop is its own simulator (catalog, orders, webhooks, rate
//! bucket). A request goes to the shop its `shop_cipher` names; without one, to the shop its
//! access token, refresh token or authorization code belongs to; otherwise to the first shop
//! (which then refuses it as TikTok would).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::response::Response;
use tower::ServiceExt;

use super::TikTok;
use super::model::State;
use crate::common::lock;

type Served = Arc<Vec<(Arc<TikTok>, Router)>>;

/// One router in front of `shops` (the first is the seeded shop).
pub(crate) fn router(shops: Vec<Arc<TikTok>>) -> Router {
    let served: Served = Arc::new(
        shops
            .into_iter()
            .map(|tt| (Arc::clone(&tt), super::router(tt)))
            .collect(),
    );
    Router::new().fallback(dispatch).with_state(served)
}

async fn dispatch(AxState(served): AxState<Served>, request: Request) -> Response {
    let owner = owner(&served, &request);
    let (_, router) = &served[owner];
    match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Index of the shop that answers `request`.
fn owner(served: &[(Arc<TikTok>, Router)], request: &Request) -> usize {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let find = |owns: &dyn Fn(&State) -> bool| {
        served
            .iter()
            .position(|(tt, _)| owns(&lock(&tt.state)))
            .unwrap_or(0)
    };
    if let Some(cipher) = param("shop_cipher") {
        return find(&|st| st.shop.cipher == cipher);
    }
    if let Some(token) = request
        .headers()
        .get("x-tts-access-token")
        .and_then(|v| v.to_str().ok())
    {
        return find(&|st| st.access_tokens.contains_key(token));
    }
    if let Some(refresh) = param("refresh_token") {
        return find(&|st| st.refresh_tokens.contains_key(refresh));
    }
    if let Some(code) = param("auth_code") {
        return find(&|st| st.auth_codes.contains_key(code));
    }
    0
}
