//! `GET /oauth/tiktok/callback`: where TikTok sends the seller back after approving feedbridge
//! (tiktok-shop.md §3, "Redirect back": `?code=..&state=..`). The `state` names the shop the
//! link was made for; the rest is what `finish_authorization` does.

use super::webhooks::WebhookApp;
use crate::sync::connections;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, message: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>feedbridge: {title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\"><h1>{title}</h1><p>{}</p></body></html>",
        escape(message)
    ))
}

pub async fn tiktok_callback(
    State(app): State<WebhookApp>,
    Query(callback): Query<Callback>,
) -> (StatusCode, Html<String>) {
    if callback.code.is_empty() || callback.state.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            page(
                "Authorization not finished",
                "TikTok did not send back an authorization code. Run `feedbridge authorize <shop>` again and approve feedbridge.",
            ),
        );
    }
    match connections::finish_authorization_by_state(&app.engine, &callback.code, &callback.state)
        .await
    {
        Ok(message) => (
            StatusCode::OK,
            page(
                "feedbridge is authorized",
                &format!("{message} You can close this page."),
            ),
        ),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            page("Authorization not finished", &format!("{error}.")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let Html(body) = page("t", "<script>&\"");
        assert!(body.contains("&lt;script&gt;&amp;&quot;"), "{body}");
    }
}
