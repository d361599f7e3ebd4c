//! Properties of config and secrets loading: any text is read or refused with an error naming
//! the file (and the key, where one is at fault), never a panic; valid configs read back as
//! written.

use feedbridge_common::config::{Config, ConfigError, Secrets, StorePlatform};
use proptest::prelude::*;
use proptest::test_runner::Config as Cases;
use std::path::Path;

const FILE: &str = "/etc/feedbridge/config.toml";

fn cases() -> Cases {
    // proptest's 256 cases unless PROPTEST_CASES says otherwise; no failure files written.
    Cases {
        failure_persistence: None,
        ..Cases::default()
    }
}

/// Every key either file knows, and a few it does not.
const KEYS: &[&str] = &[
    "daemon",
    "sync",
    "tiktok_app",
    "organization",
    "socket",
    "data_dir",
    "log_level",
    "webhook_listen",
    "webhook_public_url",
    "secrets_file",
    "order_poll_secs",
    "catalog_poll_secs",
    "catalog_full_read_secs",
    "review_poll_secs",
    "fulfilment_poll_secs",
    "workers",
    "max_attempts",
    "stock_reconcile_secs",
    "app_key",
    "api_base",
    "auth_base",
    "requests_per_second",
    "service_id",
    "redirect_url",
    "name",
    "store",
    "tiktok_shop",
    "amazon",
    "platform",
    "shop_domain",
    "api_version",
    "ca_file",
    "shop_id",
    "marketplace",
    "token_url",
    "fba_refresh_secs",
    "mcf_poll_secs",
    "app_secret",
    "shopify",
    "woocommerce",
    "tiktok",
    "access_token",
    "webhook_secret",
    "consumer_key",
    "consumer_secret",
    "client_id",
    "client_secret",
    "refresh_token",
    "acme",
    "workerz",
];

fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        prop_oneof![Just(0i64), Just(1), Just(64), Just(65), Just(-1)]
            .prop_map(toml::Value::Integer),
        any::<bool>().prop_map(toml::Value::Boolean),
        any::<f64>().prop_map(toml::Value::Float),
        prop_oneof![
            Just("shopify".to_owned()),
            Just("woocommerce".to_owned()),
            Just("US".to_owned()),
            Just("https://x".to_owned()),
            Just("2026-10".to_owned()),
            Just("127.0.0.1:0".to_owned()),
            ".{0,12}",
        ]
        .prop_map(toml::Value::String),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(toml::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(KEYS).prop_map(str::to_owned),
                inner,
                0..5
            )
            .prop_map(|map| toml::Value::Table(map.into_iter().collect())),
        ]
    })
}

/// A TOML document whose tables and keys are mostly the config's own.
fn toml_document() -> impl Strategy<Value = String> {
    prop::collection::btree_map(
        prop::sample::select(KEYS).prop_map(str::to_owned),
        toml_value(),
        0..5,
    )
    .prop_map(|map| {
        toml::to_string(&toml::Value::Table(map.into_iter().collect())).unwrap_or_default()
    })
}

fn check_error(error: &ConfigError) -> Result<(), TestCaseError> {
    let text = error.to_string();
    prop_assert_eq!(error.file.as_path(), Path::new(FILE));
    prop_assert!(text.starts_with(FILE), "{}", text);
    prop_assert!(!error.message.contains('\n'), "{:?}", error.message);
    prop_assert!(!error.message.trim().is_empty(), "{:?}", error);
    if !error.key.is_empty() {
        prop_assert!(text.contains(&format!("key `{}`", error.key)), "{}", text);
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Org {
    name: String,
    woocommerce: bool,
    domain: String,
    shops: Vec<(String, String)>,
    amazon: Option<(bool, u64)>,
}

fn org() -> impl Strategy<Value = Org> {
    (
        "[a-z][a-z0-9_-]{0,15}",
        any::<bool>(),
        "[a-z]{1,10}\\.(myshopify\\.)?com",
        prop::collection::vec(("[A-Za-z0-9_-]{1,12}", "[0-9]{1,19}"), 0..3),
        prop::option::of((any::<bool>(), 1u64..100_000)),
    )
        .prop_map(|(name, woocommerce, domain, shops, amazon)| Org {
            name,
            woocommerce,
            domain,
            shops,
            amazon,
        })
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn any_text_reads_or_names_the_file(text in ".{0,200}") {
        if let Err(error) = Config::from_toml(&text, Path::new(FILE)) {
            check_error(&error)?;
        }
        if let Err(error) = Secrets::from_toml(&text, Path::new(FILE)) {
            check_error(&error)?;
        }
    }

    #[test]
    fn any_toml_reads_or_names_file_and_key(text in toml_document()) {
        match Config::from_toml(&text, Path::new(FILE)) {
            Ok(config) => {
                let secrets = Secrets::default();
                if let Err(error) = secrets.check_against(&config, Path::new(FILE)) {
                    check_error(&error)?;
                }
            }
            Err(error) => check_error(&error)?,
        }
        if let Err(error) = Secrets::from_toml(&text, Path::new(FILE)) {
            check_error(&error)?;
        }
    }

    /// A valid config, as a merchant would write it, reads back with every value as written.
    #[test]
    fn valid_configs_read_back(
        workers in 1usize..=64,
        polls in prop::array::uniform5(1u64..1_000_000),
        max_attempts in 1u32..1_000,
        app_key in "[a-z0-9]{1,16}",
        orgs in prop::collection::vec(org(), 0..3),
    ) {
        let mut orgs = orgs;
        let mut seen_orgs = std::collections::BTreeSet::new();
        orgs.retain(|o| seen_orgs.insert(o.name.clone()));
        let mut seen_shops = std::collections::BTreeSet::new();
        for org in &mut orgs {
            org.shops.retain(|(name, _)| seen_shops.insert(name.clone()));
        }
        let mut text = format!(
            "[sync]\nworkers = {workers}\norder_poll_secs = {}\ncatalog_poll_secs = {}\n\
             review_poll_secs = {}\nfulfilment_poll_secs = {}\nstock_reconcile_secs = {}\n\
             max_attempts = {max_attempts}\n\n[tiktok_app]\napp_key = \"{app_key}\"\n",
            polls[0], polls[1], polls[2], polls[3], polls[4]
        );
        for org in &orgs {
            let platform = if org.woocommerce { "woocommerce" } else { "shopify" };
            text.push_str(&format!(
                "\n[[organization]]\nname = \"{}\"\n[organization.store]\nplatform = \"{platform}\"\nshop_domain = \"{}\"\n",
                org.name, org.domain
            ));
            if let Some((uk, secs)) = org.amazon {
                let marketplace = if uk { "UK" } else { "US" };
                text.push_str(&format!(
                    "[organization.amazon]\nmarketplace = \"{marketplace}\"\nmcf_poll_secs = {secs}\n"
                ));
            }
            for (name, id) in &org.shops {
                text.push_str(&format!("[[organization.tiktok_shop]]\nname = \"{name}\"\nshop_id = \"{id}\"\n"));
            }
        }
        let config = Config::from_toml(&text, Path::new(FILE))
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(config.sync.workers, workers);
        prop_assert_eq!(
            [config.sync.order_poll_secs, config.sync.catalog_poll_secs, config.sync.review_poll_secs,
             config.sync.fulfilment_poll_secs, config.sync.stock_reconcile_secs],
            polls
        );
        prop_assert_eq!(config.sync.max_attempts, max_attempts);
        prop_assert_eq!(&config.tiktok_app.app_key, &app_key);
        prop_assert_eq!(config.organizations.len(), orgs.len());
        for (read, wrote) in config.organizations.iter().zip(&orgs) {
            prop_assert_eq!(&read.name, &wrote.name);
            let store = read.store.as_ref().expect("every written organization has a store");
            prop_assert_eq!(store.platform == StorePlatform::Woocommerce, wrote.woocommerce);
            prop_assert_eq!(&store.shop_domain, &wrote.domain);
            prop_assert_eq!(read.amazon.as_ref().map(|a| a.mcf_poll_secs), wrote.amazon.map(|(_, s)| s));
            let shops: Vec<(String, String)> =
                read.tiktok_shops.iter().map(|s| (s.name.clone(), s.shop_id.clone())).collect();
            prop_assert_eq!(&shops, &wrote.shops);
        }
        // The secrets every connection needs: missing ones are named, present ones accepted.
        let mut secrets = String::from("[tiktok_app]\napp_secret = \"s3cr3t\"\n");
        for org in &orgs {
            if org.woocommerce {
                secrets.push_str(&format!(
                    "[woocommerce.{}]\nconsumer_key = \"ck\"\nconsumer_secret = \"cs\"\nwebhook_secret = \"w\"\n",
                    org.name
                ));
            } else {
                secrets.push_str(&format!("[shopify.{}]\naccess_token = \"shpat\"\n", org.name));
            }
            if org.amazon.is_some() {
                secrets.push_str(&format!(
                    "[amazon.{}]\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n",
                    org.name
                ));
            }
            for (name, _) in &org.shops {
                secrets.push_str(&format!("[tiktok.\"{name}\"]\naccess_token = \"t\"\n"));
            }
        }
        let read = Secrets::from_toml(&secrets, Path::new(FILE))
            .map_err(|e| TestCaseError::fail(format!("{e}\n{secrets}")))?;
        prop_assert!(read.check_against(&config, Path::new(FILE)).is_ok());
        if let Some(org) = orgs.first() {
            let without = Secrets::default().check_against(&config, Path::new(FILE));
            let error = without.expect_err("secrets are missing");
            check_error(&error)?;
            prop_assert!(error.key.contains(&org.name) || error.key == "tiktok_app.app_secret", "{:?}", error);
        }
    }
}
