//! Salesforce B2C Commerce as a store platform: connecting it from its API clients' secrets.
//! B2C Commerce core sends no webhooks, so feedbridge sees store changes through its
//! periodic polls alone.

use super::{ACCOUNT_MANAGER, SfccClient, SfccSettings};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, NoWebhooks, OrderHandling, OrderNumber,
    RateLimitModel, StorePlatformConnector, StoreSetup, TrackingSource,
};
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::stores::sfcc::{Secrets, short_code};
use std::sync::Arc;

pub struct SfccPlatform;

impl StorePlatformConnector for SfccPlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Polling,
            // OCAPI orders carry no refund: refunds happen in the payment provider.
            refund_cancels: false,
            // The order number is ours: the shop's prefix and the TikTok id.
            order_number: OrderNumber::FeedbridgeChooses,
            tracking: TrackingSource::Shipments,
            // SCAPI sheds load with 429/503 and publishes no quota.
            rate_limit: RateLimitModel::Unlimited,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Sfcc(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Sfcc));
        };
        let mut settings = settings(&setup.store.shop_domain, secrets)?;
        if let Some(base) = &setup.store.api_base {
            settings = settings.all_at(base);
        }
        let client =
            SfccClient::new(settings, setup.http.clone()).with_clock(Arc::clone(setup.clock));
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(NoWebhooks),
        })
    }
}

/// The production hosts from `shop_domain` and the secrets.
fn settings(shop_domain: &str, secrets: &Secrets) -> anyhow::Result<SfccSettings> {
    let code = short_code(shop_domain).ok_or_else(|| {
        anyhow::anyhow!(
            "Salesforce B2C Commerce: shop_domain \"{shop_domain}\" must be \"<short code>.api.commercecloud.salesforce.com\""
        )
    })?;
    if secrets.tenant_id().is_none() {
        anyhow::bail!(
            "Salesforce B2C Commerce: organization_id \"{}\" in the secrets file must be f_ecom_<realm>_<instance> (Business Manager > Administration > Site Development > Salesforce Commerce API Settings)",
            secrets.organization_id
        );
    }
    let host = secrets.instance_host.trim().trim_end_matches('/');
    let host = host.strip_prefix("https://").unwrap_or(host);
    Ok(SfccSettings {
        scapi_base: format!("https://{code}.api.commercecloud.salesforce.com"),
        ocapi_base: format!("https://{host}"),
        account_manager: ACCOUNT_MANAGER.into(),
        client_id: secrets.client_id.clone(),
        client_secret: secrets.client_secret.clone(),
        organization_id: secrets.organization_id.trim().to_owned(),
        site_id: secrets.site_id.trim().to_owned(),
        inventory_list_id: secrets.inventory_list_id.trim().to_owned(),
        slas_client_id: secrets.slas_client_id.clone(),
        slas_client_secret: secrets.slas_client_secret.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::secret::Secret;

    fn secrets(org: &str) -> Secrets {
        Secrets {
            client_id: Secret::new("c"),
            client_secret: Secret::new("s"),
            organization_id: org.into(),
            site_id: "RefArch".into(),
            instance_host: "https://zzxy-prd.dx.commercecloud.salesforce.com/".into(),
            inventory_list_id: "inventory_m".into(),
            slas_client_id: Secret::new("sc"),
            slas_client_secret: Secret::new("ss"),
        }
    }

    #[test]
    fn hosts_come_from_the_short_code_and_the_instance() {
        let s = settings(
            "kv7kzm78.api.commercecloud.salesforce.com",
            &secrets("f_ecom_zzxy_prd"),
        )
        .unwrap();
        assert_eq!(
            s.scapi_base,
            "https://kv7kzm78.api.commercecloud.salesforce.com"
        );
        assert_eq!(
            s.ocapi_base,
            "https://zzxy-prd.dx.commercecloud.salesforce.com"
        );
        assert_eq!(s.account_manager, "https://account.demandware.com");
        assert_eq!(s.tenant(), "zzxy_prd");
        let error = settings(
            "kv7kzm78.api.commercecloud.salesforce.com",
            &secrets("zzxy_prd"),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("organization_id"), "{error}");
        let all = s.all_at("http://127.0.0.1:9/");
        assert_eq!(all.ocapi_base, "http://127.0.0.1:9");
        assert_eq!(all.account_manager, "http://127.0.0.1:9");
    }

    #[test]
    fn polling_only() {
        assert_eq!(SfccPlatform.capabilities().changes, ChangeFeed::Polling);
    }
}
