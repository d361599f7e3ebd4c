//! Counters the daemon bumps as things happen (platform calls and throttles, webhook
//! deliveries) and the time of each connection's last successful poll. One set per process,
//! like the HTTP client every connector shares: [`live`] hands it out, so no connector needs
//! it threaded through its constructor.

use crate::connector::http::Platform;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::sync::LazyLock;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PlatformLabels {
    /// `http::Platform::tag`: "tiktok", "amazon", or the store platform's name.
    pub platform: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    /// Who sent it: "tiktok" or a store platform's name ("unknown" for other paths).
    pub source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectionLabels {
    pub source: &'static str,
    /// See [`rejection_reason`].
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConnectionLabels {
    /// The connection's configured name (`feedbridge status`), never a token or shop secret.
    pub connection: String,
    pub platform: &'static str,
}

/// The live figures. Families are handles: clones count into the same series.
#[derive(Clone, Debug, Default)]
pub struct Live {
    pub platform_calls: Family<PlatformLabels, Counter>,
    pub platform_throttles: Family<PlatformLabels, Counter>,
    pub webhook_receipts: Family<WebhookLabels, Counter>,
    pub webhook_rejections: Family<RejectionLabels, Counter>,
    pub last_successful_poll: Family<ConnectionLabels, Gauge>,
}

static LIVE: LazyLock<Live> = LazyLock::new(Live::default);

/// This process's live figures.
pub fn live() -> &'static Live {
    &LIVE
}

impl Live {
    /// A platform call that got an answer or failed on the way; a 429 answer is a throttle.
    pub fn platform_call(&self, platform: Platform, status: Option<u16>) {
        self.platform_calls
            .get_or_create(&PlatformLabels {
                platform: platform.tag(),
            })
            .inc();
        if status == Some(429) {
            self.platform_throttled(platform);
        }
    }

    /// A platform said "slow down" inside a successful HTTP answer (Shopify's `THROTTLED`,
    /// TikTok's rate-limit codes); 429 answers are counted by [`Live::platform_call`].
    pub fn platform_throttled(&self, platform: Platform) {
        self.platform_throttles
            .get_or_create(&PlatformLabels {
                platform: platform.tag(),
            })
            .inc();
    }

    /// A webhook delivery and how it was answered.
    pub fn webhook(&self, source: &'static str, status: u16) {
        self.webhook_receipts
            .get_or_create(&WebhookLabels { source })
            .inc();
        if let Some(reason) = rejection_reason(status) {
            self.webhook_rejections
                .get_or_create(&RejectionLabels { source, reason })
                .inc();
        }
    }

    /// A poll of `connection` went through, at `unix_secs`.
    pub fn poll_succeeded(&self, connection: &str, platform: Platform, unix_secs: i64) {
        self.last_successful_poll
            .get_or_create(&ConnectionLabels {
                connection: connection.to_owned(),
                platform: platform.tag(),
            })
            .set(unix_secs);
    }
}

/// Why a delivery was not taken, by its answer; `None` when it was (2xx, duplicates too).
pub fn rejection_reason(status: u16) -> Option<&'static str> {
    match status {
        200..=299 => None,
        400 | 413 | 422 => Some("malformed"),
        401 | 403 => Some("bad_signature"),
        404 => Some("unknown_address"),
        503 => Some("storage_unavailable"),
        _ => Some("other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::config::StorePlatform;

    #[test]
    fn a_429_counts_as_a_call_and_a_throttle() {
        let live = Live::default();
        let shopify = Platform::Store(StorePlatform::Shopify);
        live.platform_call(shopify, Some(200));
        live.platform_call(shopify, Some(429));
        live.platform_call(Platform::TikTok, None);
        live.platform_throttled(Platform::TikTok);
        let calls = |platform| {
            live.platform_calls
                .get_or_create(&PlatformLabels { platform })
                .get()
        };
        let throttles = |platform| {
            live.platform_throttles
                .get_or_create(&PlatformLabels { platform })
                .get()
        };
        assert_eq!((calls("shopify"), throttles("shopify")), (2, 1));
        assert_eq!((calls("tiktok"), throttles("tiktok")), (1, 1));
    }

    #[test]
    fn deliveries_count_and_refusals_say_why() {
        let live = Live::default();
        live.webhook("tiktok", 200);
        live.webhook("tiktok", 401);
        live.webhook("shopify", 503);
        let received = |source| {
            live.webhook_receipts
                .get_or_create(&WebhookLabels { source })
                .get()
        };
        assert_eq!((received("tiktok"), received("shopify")), (2, 1));
        let rejected = |source, reason| {
            live.webhook_rejections
                .get_or_create(&RejectionLabels { source, reason })
                .get()
        };
        assert_eq!(rejected("tiktok", "bad_signature"), 1);
        assert_eq!(rejected("shopify", "storage_unavailable"), 1);
        assert_eq!(rejection_reason(204), None);
    }
}
