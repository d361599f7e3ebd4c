//! Tokens: Account Manager client credentials (SCAPI Admin, OCAPI Data) and the SLAS
//! trusted-system token (`createOrders`), each kept until a minute before it expires.

use super::{
    ACCOUNT_MANAGER, CLIENT_HINT, ConnectorError, ConnectorResult, PERMISSION_HINT, PLATFORM,
    SfccClient, enc, error_of,
};
use crate::connector::http;
use base64::Engine as _;
use feedbridge_common::secret::Secret;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use tokio::sync::Mutex;

/// Fetched again this long before the token expires.
const EARLY_SECS: i64 = 60;

struct Token {
    value: Secret,
    /// Unix seconds after which it is not used any more.
    until: i64,
}

#[derive(Default)]
pub(super) struct Tokens {
    admin: Mutex<Option<Token>>,
    tsob: Mutex<Option<Token>>,
    /// The current token values, for redaction (never logged).
    shown: std::sync::Mutex<Vec<String>>,
}

impl Tokens {
    pub(super) fn current(&self) -> Vec<String> {
        self.shown.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub(super) async fn forget(&self, tsob: bool) {
        let slot = if tsob { &self.tsob } else { &self.admin };
        *slot.lock().await = None;
    }

    fn remember(&self, value: &str) {
        if let Ok(mut shown) = self.shown.lock() {
            shown.push(value.to_owned());
            let keep = shown.len().saturating_sub(4);
            shown.drain(..keep);
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: i64,
}

fn basic(id: &Secret, secret: &Secret) -> String {
    let pair = format!("{}:{}", id.expose(), secret.expose());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

impl SfccClient {
    pub(super) async fn admin_token(&self) -> ConnectorResult<Secret> {
        let mut slot = self.tokens.admin.lock().await;
        let now = self.clock.now_secs();
        if let Some(token) = slot.as_ref().filter(|t| t.until > now) {
            return Ok(token.value.clone());
        }
        let s = &self.settings;
        let am = if s.account_manager.is_empty() {
            ACCOUNT_MANAGER
        } else {
            s.account_manager.as_str()
        };
        let scope = format!(
            "SALESFORCE_COMMERCE_API:{} sfcc.products sfcc.orders.rw",
            s.tenant()
        );
        let body = format!("grant_type=client_credentials&scope={}", enc(&scope));
        let token = self
            .fetch_token(
                &format!("{}/dwsso/oauth2/access_token", am.trim_end_matches('/')),
                basic(&s.client_id, &s.client_secret),
                body,
                "Account Manager",
            )
            .await?;
        *slot = Some(Token {
            value: token.0.clone(),
            until: now + token.1 - EARLY_SECS,
        });
        Ok(token.0)
    }

    pub(super) async fn tsob_token(&self) -> ConnectorResult<Secret> {
        let mut slot = self.tokens.tsob.lock().await;
        let now = self.clock.now_secs();
        if let Some(token) = slot.as_ref().filter(|t| t.until > now) {
            return Ok(token.value.clone());
        }
        let s = &self.settings;
        let url = format!(
            "{}/shopper/auth/v1/organizations/{}/oauth2/trusted-system/token",
            s.scapi_base.trim_end_matches('/'),
            enc(&s.organization_id)
        );
        let body = format!(
            "grant_type=client_credentials&hint=ts_ext_on_behalf_of&login_id=guest&idp_origin=ecom&client_id={}&channel_id={}",
            enc(s.slas_client_id.expose()),
            enc(&s.site_id)
        );
        let token = self
            .fetch_token(
                &url,
                basic(&s.slas_client_id, &s.slas_client_secret),
                body,
                "SLAS",
            )
            .await?;
        *slot = Some(Token {
            value: token.0.clone(),
            until: now + token.1 - EARLY_SECS,
        });
        Ok(token.0)
    }

    /// POST a token request; the answer's token and lifetime.
    async fn fetch_token(
        &self,
        url: &str,
        authorization: String,
        body: String,
        issuer: &str,
    ) -> ConnectorResult<(Secret, i64)> {
        let request = self
            .http
            .post(url)
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        let response = http::send(PLATFORM, request)
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let s = &self.settings;
        let secrets = [s.client_secret.expose(), s.slas_client_secret.expose()];
        let raw = http::truncate(&http::redact_text(&text, &secrets));
        if status.is_success() {
            let answer: TokenAnswer =
                serde_json::from_str(&text).map_err(|error| ConnectorError::Retryable {
                    reason: format!(
                        "Salesforce {issuer} answered the token request in an unexpected shape ({error}); will retry"
                    ),
                    raw: String::new(),
                    retry_after: None,
                })?;
            let token = Secret::new(answer.access_token);
            self.tokens.remember(token.expose());
            return Ok((token, answer.expires_in.max(EARLY_SECS + 1)));
        }
        let (error, words) = error_of(&text);
        let said = if words.is_empty() {
            String::new()
        } else {
            format!(": {error} {}", http::redact_text(&words, &secrets))
        };
        let code = status.as_u16();
        Err(match code {
            400 | 401 | 403 if issuer == "SLAS" => ConnectorError::Unauthorized {
                reason: format!(
                    "Salesforce SLAS refused the trusted-system token request (HTTP {code}{said}); check slas_client_id and slas_client_secret in [sfcc.<organization>] of the secrets file: a private SLAS client with the scope sfcc.ts_ext_on_behalf_of and the site {} as channel ({PERMISSION_HINT})",
                    s.site_id
                ),
                raw,
            },
            400 if error == "invalid_scope" => ConnectorError::Unauthorized {
                reason: format!(
                    "Salesforce Account Manager refused the scope for tenant {} (HTTP 400{said}); check organization_id (f_ecom_<realm>_<instance>) in the secrets file and that the API client's role \"Salesforce Commerce API\" is scoped to that tenant",
                    s.tenant()
                ),
                raw,
            },
            400 | 401 | 403 => ConnectorError::Unauthorized {
                reason: format!(
                    "Salesforce Account Manager refused the API client (HTTP {code}{said}); {CLIENT_HINT}"
                ),
                raw,
            },
            _ => http::classify_status(PLATFORM, status, retry_after, &raw).unwrap_or(
                ConnectorError::Retryable {
                    reason: format!("Salesforce {issuer} answered HTTP {code}; will retry"),
                    raw,
                    retry_after,
                },
            ),
        })
    }
}
