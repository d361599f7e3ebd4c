//! TikTok tokens (tiktok-shop.md §3): exchanging an authorization code, refreshing ahead of
//! expiry or after a 105001/105002 answer, and the [`TokenKeeper`] every call of a shop reads
//! its current access token from.
//!
//! Token endpoints are not signed: the app secret travels as a query parameter (§2), so the
//! URL is never logged and every error text is redacted.

use super::{TikTokClient, TikTokSettings, decode, interpret, wire};
use crate::clock::{Clock, SystemClock};
use crate::connector::http::{self, Platform};
use crate::connector::{ConnectorError, ConnectorResult};
use async_trait::async_trait;
use feedbridge_common::secret::Secret;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// While a shop waits for its owner, calls are not sent; the work asking is retried this much
/// later (re-authorizing reschedules it at once).
pub const REAUTHORIZATION_WAIT: Duration = Duration::from_secs(15 * 60);

/// Paths a shop that must not sync may still call: the connection checks.
const CHECK_PATHS: [&str; 3] = [
    "/authorization/202309/shops",
    "/logistics/202309/warehouses",
    "/event/202309/webhooks",
];

/// A token pair; expiries are absolute Unix seconds (`None` = not known, e.g. tokens pasted
/// into the secrets file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: Secret,
    pub access_expires_at: Option<i64>,
    pub refresh_token: Secret,
    pub refresh_expires_at: Option<i64>,
}

/// Whether a token expiring at `expires_at` should be replaced now: less than `margin` left.
/// An unknown expiry is not refreshed ahead; a 105002 answer will refresh it.
pub fn needs_refresh(expires_at: Option<i64>, now: i64, margin: Duration) -> bool {
    let margin = i64::try_from(margin.as_secs()).unwrap_or(i64::MAX);
    expires_at.is_some_and(|at| at.saturating_sub(now) < margin)
}

/// `*_expire_in` are absolute timestamps (§3, gotcha 5). A value too small to be one (before
/// 2001) is read as a lifetime in seconds, so a documentation slip cannot make a fresh token
/// look long expired.
pub fn absolute_expiry(value: i64, now: i64) -> Option<i64> {
    const YEAR_2001: i64 = 978_307_200;
    match value {
        ..=0 => None,
        v if v < YEAR_2001 => Some(now.saturating_add(v)),
        v => Some(v),
    }
}

/// How the seller authorization link is made (config `tiktok_app.service_id`/`redirect_url`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationApp {
    pub service_id: String,
    pub redirect_url: Option<String>,
}

/// Where a shop's tokens are kept and who hears that the shop needs its owner.
#[async_trait]
pub trait TokenSink: Send + Sync {
    /// A refresh produced a new pair: store it (the old refresh token no longer works).
    async fn refreshed(&self, tokens: &TokenPair);
    /// The grant can no longer be refreshed; `reason` is TikTok's answer, redacted.
    async fn reauthorization_needed(&self, reason: &str);
}

#[derive(Deserialize)]
struct TokenData {
    #[serde(default, deserialize_with = "wire::de_string")]
    access_token: String,
    #[serde(default)]
    access_token_expire_in: i64,
    #[serde(default, deserialize_with = "wire::de_string")]
    refresh_token: String,
    #[serde(default)]
    refresh_token_expire_in: i64,
}

struct KeeperState {
    tokens: TokenPair,
    /// Set while the shop waits for reauthorization: why, in the merchant's words.
    waiting: Option<String>,
    /// Set while the shop must not sync (e.g. a currency mismatch): why.
    blocked: Option<String>,
}

/// One shop's tokens, shared by its client and the flows; refreshed in place.
pub struct TokenKeeper {
    settings: TikTokSettings,
    shop_name: String,
    http: reqwest::Client,
    state: RwLock<KeeperState>,
    /// One refresh at a time: a refresh token works once.
    refreshing: tokio::sync::Mutex<()>,
    sink: Option<Arc<dyn TokenSink>>,
    authorization_app: AuthorizationApp,
    /// What the merchant does to authorize again, when not `feedbridge authorize SHOP`.
    reauthorize_fix: Option<String>,
    /// Expiries are wall times; so are the timestamps the shop's calls are signed with.
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("shop", &self.shop_name)
            .finish_non_exhaustive()
    }
}

impl TokenKeeper {
    /// Tokens kept in memory only, with nobody told about refreshes (tests, probes).
    pub fn fixed(settings: &TikTokSettings, tokens: TokenPair, http: reqwest::Client) -> Self {
        Self::new(settings, &settings.shop_id, tokens, http, None)
    }

    pub fn new(
        settings: &TikTokSettings,
        shop_name: &str,
        tokens: TokenPair,
        http: reqwest::Client,
        sink: Option<Arc<dyn TokenSink>>,
    ) -> Self {
        Self {
            settings: settings.clone(),
            shop_name: shop_name.to_owned(),
            http,
            state: RwLock::new(KeeperState {
                tokens,
                waiting: None,
                blocked: None,
            }),
            refreshing: tokio::sync::Mutex::new(()),
            sink,
            authorization_app: AuthorizationApp::default(),
            reauthorize_fix: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Read wall time from `clock` (the daemon's), not the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Seconds since the Unix epoch, by this keeper's clock.
    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }

    /// Set how this shop's authorization link is made.
    #[must_use]
    pub fn with_authorization_app(mut self, app: AuthorizationApp) -> Self {
        self.authorization_app = app;
        self
    }

    pub fn authorization_app(&self) -> &AuthorizationApp {
        &self.authorization_app
    }

    fn read<R>(&self, f: impl FnOnce(&KeeperState) -> R) -> R {
        f(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write<R>(&self, f: impl FnOnce(&mut KeeperState) -> R) -> R {
        f(&mut self.state.write().unwrap_or_else(PoisonError::into_inner))
    }

    /// The pair in use now.
    pub fn tokens(&self) -> TokenPair {
        self.read(|s| s.tokens.clone())
    }

    /// Why the shop waits for reauthorization, if it does.
    pub fn waiting(&self) -> Option<String> {
        self.read(|s| s.waiting.clone())
    }

    /// Mark the shop as waiting for its owner (e.g. after a restart found it so).
    pub fn set_waiting(&self, reason: Option<String>) {
        self.write(|s| s.waiting = reason);
    }

    /// Stop (or allow again) every call but the connection checks.
    pub fn set_blocked(&self, reason: Option<String>) {
        self.write(|s| s.blocked = reason);
    }

    pub fn blocked(&self) -> Option<String> {
        self.read(|s| s.blocked.clone())
    }

    /// Use a new pair from now on (after authorization); the shop no longer waits.
    pub fn install(&self, tokens: TokenPair) {
        self.write(|s| {
            s.tokens = tokens;
            s.waiting = None;
        });
    }

    /// Says what to do when the grant is gone, for a shop not authorized through
    /// `feedbridge authorize` (a source shop's tokens come from the secrets file).
    pub fn with_reauthorize_fix(mut self, fix: impl Into<String>) -> Self {
        self.reauthorize_fix = Some(fix.into());
        self
    }

    fn waiting_error(&self, reason: &str) -> ConnectorError {
        let fix = self
            .reauthorize_fix
            .clone()
            .unwrap_or_else(|| format!("run `feedbridge authorize {}`", self.shop_name));
        ConnectorError::Retryable {
            reason: format!(
                "TikTok shop {} waits for reauthorization ({reason}); {fix} and this continues by itself",
                self.shop_name
            ),
            raw: String::new(),
            retry_after: Some(REAUTHORIZATION_WAIT),
        }
    }

    /// The access token for the next call, unless the shop may not call `path` now.
    fn token_for(&self, path: &str) -> ConnectorResult<Secret> {
        let (token, waiting, blocked) = self.read(|s| {
            (
                s.tokens.access_token.clone(),
                s.waiting.clone(),
                s.blocked.clone(),
            )
        });
        if let Some(reason) = waiting {
            return Err(self.waiting_error(&reason));
        }
        if let Some(reason) = blocked
            && !CHECK_PATHS.contains(&path)
        {
            return Err(ConnectorError::Rejected {
                reason,
                raw: String::new(),
            });
        }
        Ok(token)
    }

    /// Whether a refused token is this keeper's business (refresh, or wait for the owner).
    /// A bare token with nobody keeping it just reports the refusal.
    fn manages_grant(&self) -> bool {
        self.sink.is_some() || self.read(|s| !s.tokens.refresh_token.is_empty())
    }

    /// Secrets to scrub from anything logged or stored.
    pub(super) fn redaction_values(&self) -> Vec<String> {
        self.read(|s| {
            vec![
                self.settings.app_secret.expose().to_owned(),
                s.tokens.access_token.expose().to_owned(),
                s.tokens.refresh_token.expose().to_owned(),
            ]
        })
    }

    /// A call was refused with `rejected` as its token: refresh once, unless another call
    /// already replaced that token.
    async fn refresh_after_rejection(&self, rejected: &Secret) -> ConnectorResult<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        if let Some(reason) = self.waiting() {
            return Err(self.waiting_error(&reason));
        }
        if self.read(|s| s.tokens.access_token != *rejected) {
            return Ok(());
        }
        self.refresh_locked().await
    }

    /// Refresh when less than `margin` of the access token's life is left. `Ok(true)` when it
    /// was refreshed.
    pub async fn refresh_if_due(&self, now: i64, margin: Duration) -> ConnectorResult<bool> {
        let _one_at_a_time = self.refreshing.lock().await;
        if let Some(reason) = self.waiting() {
            return Err(self.waiting_error(&reason));
        }
        if !needs_refresh(self.read(|s| s.tokens.access_expires_at), now, margin) {
            return Ok(false);
        }
        self.refresh_locked().await.map(|()| true)
    }

    async fn refresh_locked(&self) -> ConnectorResult<()> {
        let current = self.tokens();
        let now = self.now_secs();
        if current.refresh_token.is_empty() {
            return Err(self
                .grant_unusable("there is no refresh token for it")
                .await);
        }
        if current.refresh_expires_at.is_some_and(|at| at <= now) {
            return Err(self.grant_unusable("its refresh token has expired").await);
        }
        let answer = self
            .token_call(
                "/api/v2/token/refresh",
                &[
                    ("refresh_token", current.refresh_token.expose()),
                    ("grant_type", "refresh_token"),
                ],
            )
            .await;
        match answer {
            Ok(tokens) => {
                // Stored before use: the old refresh token is spent now.
                if let Some(sink) = &self.sink {
                    sink.refreshed(&tokens).await;
                }
                self.write(|s| s.tokens = tokens);
                tracing::info!(shop = %self.shop_name, "Refreshed the TikTok access token.");
                Ok(())
            }
            Err(error) if error.is_transient() => Err(error),
            Err(error) => Err(self.grant_unusable(&error.to_string()).await),
        }
    }

    /// The refresh token no longer works: wait for the owner, tell whoever keeps the tokens.
    async fn grant_unusable(&self, reason: &str) -> ConnectorError {
        let reason = format!("TikTok no longer accepts feedbridge's authorization: {reason}");
        self.set_waiting(Some(reason.clone()));
        tracing::warn!(shop = %self.shop_name, error = %reason, "TikTok shop needs reauthorization.");
        if let Some(sink) = &self.sink {
            sink.reauthorization_needed(&reason).await;
        }
        self.waiting_error(&reason)
    }

    /// TikTok said the seller removed the app (SELLER_DEAUTHORIZATION): its tokens are dead.
    /// The shop waits for its owner as after a refused refresh (this reason replaces a vaguer
    /// one if a refused call got there first); a new authorization resumes it.
    pub async fn seller_deauthorized(&self) {
        let _one_at_a_time = self.refreshing.lock().await;
        let _waiting = self
            .grant_unusable("the seller removed the app in TikTok Seller Center")
            .await;
    }

    /// Exchange an authorization code for a pair (not installed: check it first).
    pub async fn exchange_code(&self, code: &str) -> ConnectorResult<TokenPair> {
        self.token_call(
            "/api/v2/token/get",
            &[("auth_code", code), ("grant_type", "authorized_code")],
        )
        .await
    }

    async fn token_call(&self, path: &str, params: &[(&str, &str)]) -> ConnectorResult<TokenPair> {
        let base = self.settings.auth_base.trim_end_matches('/');
        let mut url = reqwest::Url::parse(&format!("{base}{path}")).map_err(|error| {
            ConnectorError::Rejected {
                reason: format!(
                    "TikTok auth base URL {base:?} is not a valid URL; fix tiktok_app.auth_base"
                ),
                raw: error.to_string(),
            }
        })?;
        url.query_pairs_mut()
            .append_pair("app_key", &self.settings.app_key)
            .append_pair("app_secret", self.settings.app_secret.expose())
            .extend_pairs(params);
        let mut secrets = self.redaction_values();
        secrets.extend(params.iter().map(|(_, v)| (*v).to_owned()));
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let response = http::send(Platform::TikTok, self.http.get(url))
            .await
            .map_err(|error| {
                redact_error(http::classify_transport(Platform::TikTok, error), &secrets)
            })?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let body = response.text().await.map_err(|error| {
            redact_error(http::classify_transport(Platform::TikTok, error), &secrets)
        })?;
        let (data, _) = interpret(status, retry_after, &body, &secrets)?;
        let data: TokenData = decode(path, data)?;
        if data.access_token.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: "TikTok Shop answered the token request without a token".into(),
                raw: String::new(),
            });
        }
        let now = self.now_secs();
        Ok(TokenPair {
            access_token: Secret::new(data.access_token),
            access_expires_at: absolute_expiry(data.access_token_expire_in, now),
            refresh_token: Secret::new(data.refresh_token),
            refresh_expires_at: absolute_expiry(data.refresh_token_expire_in, now),
        })
    }

    /// A client that calls with `tokens` (to check a new grant before using it).
    pub fn client_with(&self, tokens: TokenPair) -> TikTokClient {
        let keeper = Arc::new(
            Self::fixed(&self.settings, tokens, self.http.clone())
                .with_clock(Arc::clone(&self.clock)),
        );
        TikTokClient::with_tokens(self.settings.clone(), self.http.clone(), keeper)
    }

    /// A client on this keeper's tokens (refreshing them as the shop's own client does).
    pub fn client(self: &Arc<Self>) -> TikTokClient {
        TikTokClient::with_tokens(self.settings.clone(), self.http.clone(), Arc::clone(self))
    }
}

/// Transport errors quote the URL, which carries the app secret here.
fn redact_error(error: ConnectorError, secrets: &[&str]) -> ConnectorError {
    error.map_text(|text| http::redact_text(text, secrets))
}

/// TikTok refused the access token itself (105001 invalid / 105002 expired, §8).
fn token_refused(error: &ConnectorError) -> bool {
    use super::codes::{ACCESS_TOKEN_EXPIRED, ACCESS_TOKEN_INVALID};
    matches!(error, ConnectorError::Unauthorized { raw, .. }
        if [ACCESS_TOKEN_INVALID, ACCESS_TOKEN_EXPIRED]
            .iter()
            .any(|code| raw.starts_with(&format!("code {code}:"))))
}

/// One webhook subscription of a shop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub event_type: String,
    pub address: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WebhooksData {
    webhooks: Vec<WireWebhook>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireWebhook {
    #[serde(deserialize_with = "wire::de_string")]
    event_type: String,
    #[serde(deserialize_with = "wire::de_string")]
    address: String,
}

impl TikTokClient {
    /// Send a request built with the current access token; if TikTok refuses the token,
    /// refresh once and send it again.
    pub(super) async fn send_authorized(
        &self,
        method: &Method,
        path: &str,
        build: impl Fn(&Secret) -> ConnectorResult<reqwest::RequestBuilder>,
    ) -> ConnectorResult<Option<Value>> {
        let token = self.tokens.token_for(path)?;
        match self.execute(method, path, build(&token)?).await {
            Err(error) if token_refused(&error) && self.tokens.manages_grant() => {
                self.tokens.refresh_after_rejection(&token).await?;
                let token = self.tokens.token_for(path)?;
                self.execute(method, path, build(&token)?).await
            }
            other => other,
        }
    }

    /// The shop's webhook subscriptions (GET /event/202309/webhooks, §4.6).
    pub async fn webhook_subscriptions(&self) -> ConnectorResult<Vec<WebhookSubscription>> {
        let data: WebhooksData = self
            .call(
                Method::GET,
                "/event/202309/webhooks",
                Vec::new(),
                None,
                super::Scope::Shop,
            )
            .await?;
        Ok(data
            .webhooks
            .into_iter()
            .map(|w| WebhookSubscription {
                event_type: w.event_type,
                address: w.address,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn refresh_when_less_than_the_margin_is_left() {
        let now = 1_750_000_000;
        assert!(!needs_refresh(Some(now + 7 * 86_400), now, DAY));
        assert!(!needs_refresh(Some(now + 86_400), now, DAY));
        assert!(needs_refresh(Some(now + 86_399), now, DAY));
        assert!(needs_refresh(Some(now - 5), now, DAY));
        // Unknown expiry: wait for TikTok to say it expired.
        assert!(!needs_refresh(None, now, DAY));
    }

    #[test]
    fn expiries_are_absolute_unless_clearly_a_lifetime() {
        let now = 1_750_000_000;
        assert_eq!(absolute_expiry(1_767_225_600, now), Some(1_767_225_600));
        assert_eq!(absolute_expiry(604_800, now), Some(now + 604_800));
        assert_eq!(absolute_expiry(0, now), None);
        assert_eq!(absolute_expiry(-3, now), None);
    }

    #[test]
    fn only_token_codes_trigger_a_refresh() {
        let refused = |code: i64| ConnectorError::Unauthorized {
            reason: String::new(),
            raw: format!("code {code}: expired (request_id x)"),
        };
        assert!(token_refused(&refused(105_002)));
        assert!(token_refused(&refused(105_001)));
        assert!(!token_refused(&refused(106_011)));
        assert!(!token_refused(&ConnectorError::Rejected {
            reason: String::new(),
            raw: "code 105002: x".into()
        }));
    }

    fn keeper() -> TokenKeeper {
        let settings = TikTokSettings {
            api_base: "http://127.0.0.1:1".into(),
            auth_base: "http://127.0.0.1:1".into(),
            app_key: "key".into(),
            app_secret: Secret::new("app-secret-value"),
            access_token: Secret::new("seed"),
            shop_id: "1".into(),
            requests_per_second: 10,
        };
        let tokens = TokenPair {
            access_token: Secret::new("access-1"),
            access_expires_at: None,
            refresh_token: Secret::new("refresh-1"),
            refresh_expires_at: None,
        };
        TokenKeeper::new(&settings, "acme-us", tokens, reqwest::Client::new(), None)
    }

    #[test]
    fn a_waiting_shop_sends_nothing_and_says_what_to_do() {
        let keeper = keeper();
        assert!(keeper.token_for("/order/202309/orders").is_ok());
        keeper.set_waiting(Some("revoked".into()));
        let error = keeper.token_for("/order/202309/orders").unwrap_err();
        let ConnectorError::Retryable {
            reason,
            retry_after,
            ..
        } = error
        else {
            panic!("waiting must be retryable, got {error:?}");
        };
        assert!(reason.contains("feedbridge authorize acme-us"), "{reason}");
        assert_eq!(retry_after, Some(REAUTHORIZATION_WAIT));
        keeper.install(TokenPair {
            access_token: Secret::new("access-2"),
            access_expires_at: Some(1),
            refresh_token: Secret::new("refresh-2"),
            refresh_expires_at: None,
        });
        assert_eq!(
            keeper.token_for("/order/202309/orders").unwrap().expose(),
            "access-2"
        );
    }

    #[test]
    fn a_blocked_shop_still_runs_its_checks() {
        let keeper = keeper();
        keeper.set_blocked(Some("sells in GBP, the store in USD".into()));
        assert!(keeper.token_for("/authorization/202309/shops").is_ok());
        assert!(matches!(
            keeper.token_for("/product/202309/products"),
            Err(ConnectorError::Rejected { .. })
        ));
    }

    #[tokio::test]
    async fn no_refresh_token_means_reauthorization() {
        let keeper = keeper();
        keeper.write(|s| s.tokens.refresh_token = Secret::new(""));
        let error = keeper.refresh_if_due(0, DAY).await;
        assert!(matches!(error, Ok(false)), "unknown expiry is not due");
        keeper.write(|s| s.tokens.access_expires_at = Some(10));
        let error = keeper.refresh_if_due(0, DAY).await.unwrap_err();
        assert!(error.to_string().contains("waits for reauthorization"));
        assert!(keeper.waiting().is_some());
    }

    #[tokio::test]
    async fn the_refresh_token_expires_by_the_keepers_clock() {
        const T: u64 = 1_800_000_000;
        let clock = Arc::new(crate::clock::ManualClock::at_secs(T));
        let keeper = keeper().with_clock(clock.clone());
        let t = i64::try_from(T).unwrap();
        keeper.write(|s| {
            s.tokens.access_expires_at = Some(t + 5);
            s.tokens.refresh_expires_at = Some(t + 10);
        });
        // Still usable: the refresh is tried (nobody listens on the auth base) and may be
        // retried.
        let error = keeper.refresh_if_due(keeper.now_secs(), DAY).await;
        assert!(
            matches!(error, Err(ConnectorError::Retryable { .. })),
            "{error:?}"
        );
        assert_eq!(keeper.waiting(), None);
        clock.advance(Duration::from_secs(10));
        let error = keeper.refresh_if_due(keeper.now_secs(), DAY).await;
        assert!(
            format!("{error:?}").contains("its refresh token has expired"),
            "{error:?}"
        );
        assert!(keeper.waiting().is_some());
    }
}
