//! Connect, replace or disconnect an organization's store while the daemon runs. The new
//! store is checked first (its platform's client reads the shop with the given credentials);
//! only then are the config and secrets files rewritten, each atomically (temporary file,
//! fsync, rename; the secrets file stays 0600), and the daemon reloads through the SIGHUP path
//! ([`crate::reload`]), which checks the files again and drains before running with them. A
//! failed check changes nothing. The files are edited in place with `toml_edit`: comments and
//! the order of everything else are kept.
//!
//! On replace the old store's catalog is forgotten at the reload (see
//! [`crate::store::forget_store_catalog`]); orders keep their history.

use crate::clock::Clock;
use feedbridge_common::config::{Config, Secrets, StorePlatform};
use feedbridge_common::rpc::RpcError;
use feedbridge_common::store_change::{StoreChange, parse_store_setting};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml_edit::{DocumentMut, Item, Table, value};
use tracing::info;

/// The files the running daemon was started from.
#[derive(Clone, Debug, Default)]
pub struct ConfigFiles {
    /// None: started without a config file (`--allow-empty`).
    pub config: Option<PathBuf>,
    pub secrets: PathBuf,
}

/// One change at a time: two at once would each rewrite the files from the same old text.
static CHANGING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The store's config keys from its address: `shop_domain` (host and port) and `api_base`
/// unless it is plain `https://{shop_domain}`.
fn store_address(url: &str) -> Result<(String, Option<String>), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        format!("--url {url:?} is not an address ({e}); e.g. https://shop.example.com")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "--url {url:?} must start with https:// (or http://)"
        ));
    }
    let Some(host) = parsed.host_str() else {
        return Err(format!("--url {url:?} names no host"));
    };
    let domain = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let trimmed = url.trim_end_matches('/');
    let plain = parsed.scheme() == "https" && trimmed == format!("https://{domain}");
    Ok((domain, (!plain).then(|| trimmed.to_owned())))
}

/// The credentials as a TOML table of plain values. A parse error names the line only: the
/// text is a secret.
fn credentials_table(text: &str) -> Result<Table, String> {
    let document: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        format!(
            "the credentials are not TOML `key = \"value\"` lines{}",
            line.map(|l| format!(" (line {l})")).unwrap_or_default()
        )
    })?;
    let table = document.as_table().clone();
    if table.is_empty() {
        return Err("the credentials are empty".into());
    }
    if let Some((key, _)) = table.iter().find(|(_, item)| !item.is_value()) {
        return Err(format!(
            "the credentials hold a table [{key}]; give only the keys of the store's section"
        ));
    }
    Ok(table)
}

fn organizations(document: &DocumentMut) -> Option<&toml_edit::ArrayOfTables> {
    document
        .get("organization")
        .and_then(Item::as_array_of_tables)
}

fn org_index(document: &DocumentMut, org: &str) -> Option<usize> {
    organizations(document)?
        .iter()
        .position(|t| t.get("name").and_then(Item::as_str) == Some(org))
}

/// The organization's store platform in the config, if it has a store.
fn current_platform(document: &DocumentMut, index: usize) -> Option<String> {
    organizations(document)?
        .get(index)?
        .get("store")?
        .get("platform")?
        .as_str()
        .map(str::to_owned)
}

/// The config and secrets texts with the change made, or why it cannot be.
pub fn edit_files(
    config_text: &str,
    secrets_text: &str,
    change: &StoreChange,
    platform: StorePlatform,
) -> Result<(String, String), RpcError> {
    let org = change.organization.as_str();
    let invalid = |m: String| RpcError::Invalid(m);
    let mut config: DocumentMut = config_text
        .parse()
        .map_err(|e| invalid(format!("the config file does not parse: {e}")))?;
    let mut secrets: DocumentMut = secrets_text
        .parse()
        .map_err(|_| invalid("the secrets file does not parse as TOML".into()))?;
    let (domain, api_base) = store_address(&change.url).map_err(invalid)?;
    let credentials = credentials_table(change.credentials.expose()).map_err(invalid)?;
    let mut store = Table::new();
    store["platform"] = value(platform.as_str());
    store["shop_domain"] = value(domain);
    if let Some(api_base) = api_base {
        store["api_base"] = value(api_base);
    }
    for (key, setting) in &change.settings {
        let (key, setting) = parse_store_setting(&format!("{key}={setting}")).map_err(invalid)?;
        store[key.as_str()] = value(setting);
    }
    let index = org_index(&config, org);
    let old_platform = index.and_then(|i| current_platform(&config, i));
    match (change.replace, index, &old_platform) {
        (true, None, _) => {
            return Err(RpcError::NotFound(format!(
                "organization {org} is not in the config; connect a store with `feedbridge store {org} connect`"
            )));
        }
        (true, Some(_), None) => {
            return Err(RpcError::Conflict(format!(
                "organization {org} has no store to replace; use `feedbridge store {org} connect`"
            )));
        }
        (false, Some(_), Some(old)) => {
            return Err(RpcError::Conflict(format!(
                "organization {org} already has a {old} store; use `feedbridge store {org} replace` to put another in its place"
            )));
        }
        (_, Some(i), _) => {
            let table = config["organization"]
                .as_array_of_tables_mut()
                .and_then(|all| all.get_mut(i))
                .ok_or_else(|| RpcError::Internal("the organization vanished".into()))?;
            table.insert("store", Item::Table(store));
        }
        (false, None, _) => {
            let mut table = Table::new();
            table["name"] = value(org);
            table.insert("store", Item::Table(store));
            match config.get_mut("organization") {
                Some(item) => item
                    .as_array_of_tables_mut()
                    .ok_or_else(|| {
                        invalid(
                            "`organization` in the config is not [[organization]] tables".into(),
                        )
                    })?
                    .push(table),
                None => {
                    let mut all = toml_edit::ArrayOfTables::new();
                    all.push(table);
                    config.insert("organization", Item::ArrayOfTables(all));
                }
            }
        }
    }
    if let Some(old) = &old_platform {
        remove_section(&mut secrets, old, org);
    }
    let section = secrets
        .entry(platform.as_str())
        .or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        })
        .as_table_mut()
        .ok_or_else(|| {
            invalid(format!(
                "[{}] in the secrets file is not a table",
                platform.as_str()
            ))
        })?;
    section.insert(org, Item::Table(credentials));
    Ok((config.to_string(), secrets.to_string()))
}

/// The texts with the organization's store removed (its TikTok shops and Amazon stay).
pub fn edit_files_disconnect(
    config_text: &str,
    secrets_text: &str,
    org: &str,
) -> Result<(String, String), RpcError> {
    let mut config: DocumentMut = config_text
        .parse()
        .map_err(|e| RpcError::Invalid(format!("the config file does not parse: {e}")))?;
    let mut secrets: DocumentMut = secrets_text
        .parse()
        .map_err(|_| RpcError::Invalid("the secrets file does not parse as TOML".into()))?;
    let Some(index) = org_index(&config, org) else {
        return Err(RpcError::NotFound(format!(
            "organization {org} is not in the config"
        )));
    };
    let Some(platform) = current_platform(&config, index) else {
        return Err(RpcError::Conflict(format!(
            "organization {org} has no store connected"
        )));
    };
    if let Some(table) = config["organization"]
        .as_array_of_tables_mut()
        .and_then(|all| all.get_mut(index))
    {
        table.remove("store");
    }
    remove_section(&mut secrets, &platform, org);
    Ok((config.to_string(), secrets.to_string()))
}

fn remove_section(secrets: &mut DocumentMut, platform: &str, org: &str) {
    if let Some(section) = secrets.get_mut(platform).and_then(Item::as_table_mut) {
        section.remove(org);
        if section.is_empty() {
            secrets.remove(platform);
        }
    }
}

/// Parse both texts as the daemon does at start, keeping secret values out of the message.
fn check_files(
    config_text: &str,
    secrets_text: &str,
    files: &ConfigFiles,
    config_path: &Path,
    credentials: &str,
) -> Result<(Config, Secrets), RpcError> {
    let config = Config::from_toml(config_text, config_path)
        .map_err(|e| RpcError::Invalid(format!("the new config would not start: {e}")))?;
    let secrets = Secrets::from_toml(secrets_text, &files.secrets)
        .and_then(|secrets| {
            secrets
                .check_against(&config, &files.secrets)
                .map(|()| secrets)
        })
        .map_err(|e| {
            let mut message = e.to_string();
            // A type error may quote a value: never send a secret back.
            for line in credentials.lines() {
                if let Some((_, secret)) = line.split_once('=') {
                    let secret = secret.trim().trim_matches('"');
                    if secret.len() > 3 {
                        message = message.replace(secret, "***");
                    }
                }
            }
            RpcError::Invalid(format!("the store credentials do not fit: {message}"))
        })?;
    Ok((config, secrets))
}

/// Write `text` to `path` so a reader sees the old file or the new one, never a mix.
fn write_atomically(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.new", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&temporary)?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

fn read_or_empty(path: &Path) -> Result<String, RpcError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(RpcError::Internal(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn config_path(files: &ConfigFiles) -> Result<&Path, RpcError> {
    files.config.as_deref().ok_or_else(|| {
        RpcError::Invalid(
            "feedbridged runs without a config file (--allow-empty): start it with --config PATH to connect stores from the console".into(),
        )
    })
}

/// Write both files (the secrets file first: the config must never name a store whose
/// credentials are not there yet), then reload.
fn adopt(
    files: &ConfigFiles,
    config_path: &Path,
    config: &str,
    secrets: &str,
) -> Result<(), RpcError> {
    let config_mode = std::fs::metadata(config_path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o640);
    let failed = |path: &Path, e: std::io::Error| {
        RpcError::Internal(format!(
            "cannot write {}: {e}; nothing was reloaded",
            path.display()
        ))
    };
    write_atomically(&files.secrets, secrets, 0o600).map_err(|e| failed(&files.secrets, e))?;
    write_atomically(config_path, config, config_mode).map_err(|e| failed(config_path, e))?;
    // The reload path re-reads and re-checks both files, drains, and runs with them.
    nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGHUP)
        .map_err(|e| RpcError::Internal(format!("the files are written but the reload could not start ({e}); run `systemctl reload feedbridged` or send SIGHUP")))
}

/// Connect or replace a store: see the module docs.
pub async fn connect(
    files: &ConfigFiles,
    change: StoreChange,
    http: &reqwest::Client,
    clock: &Arc<dyn Clock>,
) -> Result<String, RpcError> {
    let _one = CHANGING.lock().await;
    let platform = StorePlatform::from_name(&change.platform).ok_or_else(|| {
        RpcError::Invalid(format!(
            "unknown store platform {:?}; one of {}",
            change.platform,
            StorePlatform::names()
        ))
    })?;
    let config_path = config_path(files)?;
    let config_text = read_or_empty(config_path)?;
    let secrets_text = read_or_empty(&files.secrets)?;
    let (new_config, new_secrets) = edit_files(&config_text, &secrets_text, &change, platform)?;
    let (config, secrets) = check_files(
        &new_config,
        &new_secrets,
        files,
        config_path,
        change.credentials.expose(),
    )?;
    let org = &change.organization;
    let org_config = config
        .organizations
        .iter()
        .find(|o| &o.name == org)
        .ok_or_else(|| RpcError::Internal("the organization vanished".into()))?;
    let store_config = org_config
        .store
        .as_ref()
        .ok_or_else(|| RpcError::Internal("the store vanished".into()))?;
    let refused = |reason: String| {
        RpcError::Invalid(format!(
            "the {} store at {} was not connected: {reason}. Nothing was changed.",
            platform.as_str(),
            change.url
        ))
    };
    let connected = crate::storefront_for(org_config, store_config, &secrets, http, clock, None)
        .map_err(|e| refused(format!("{e:#}")))?;
    let info = connected
        .storefront
        .info()
        .await
        .map_err(|e| refused(format!("the store did not answer as expected ({e})")))?;
    adopt(files, config_path, &new_config, &new_secrets)?;
    info!(org = %org, platform = platform.as_str(), store = %info.name, "Store {}; reloading.", if change.replace { "replaced" } else { "connected" });
    Ok(format!(
        "{} the {} store {} (sells in {}) {} organization {org}; {} and {} were rewritten and feedbridged is reloading with them.{}",
        if change.replace { "Put" } else { "Connected" },
        platform.as_str(),
        info.name,
        info.currency,
        if change.replace {
            "in place of the old store of"
        } else {
            "to"
        },
        config_path.display(),
        files.secrets.display(),
        if change.replace {
            " The old store's products and listings are dropped; the new store's products are linked to their TikTok products by seller SKU (`feedbridge link preview SHOP` shows any that need a decision). Orders keep their history."
        } else {
            ""
        }
    ))
}

/// Disconnect an organization's store: see the module docs.
pub async fn disconnect(files: &ConfigFiles, org: &str) -> Result<String, RpcError> {
    let _one = CHANGING.lock().await;
    let config_path = config_path(files)?;
    let config_text = read_or_empty(config_path)?;
    let secrets_text = read_or_empty(&files.secrets)?;
    let (new_config, new_secrets) = edit_files_disconnect(&config_text, &secrets_text, org)?;
    check_files(&new_config, &new_secrets, files, config_path, "")?;
    adopt(files, config_path, &new_config, &new_secrets)?;
    info!(org = %org, "Store disconnected; reloading.");
    Ok(format!(
        "Disconnected the store of organization {org}; {} and {} were rewritten and feedbridged is reloading. Its TikTok shops stop syncing until a store is connected (`feedbridge store {org} connect ...`); orders and listings are kept.",
        config_path.display(),
        files.secrets.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::secret::Secret;

    const CONFIG: &str = "# Our shops\n[daemon]\nlog_level = \"info\"\n\n[tiktok_app]\napp_key = \"k\"\n\n[[organization]]\nname = \"acme\" # the main one\n\n[organization.store]\nplatform = \"shopify\"\nshop_domain = \"acme.myshopify.com\"\n\n[[organization.tiktok_shop]]\nname = \"acme-us\"\nshop_id = \"7001\"\n";
    const SECRETS: &str = "[tiktok_app]\napp_secret = \"s\"\n\n[shopify.acme]\naccess_token = \"shpat_old\"\n\n[tiktok.acme-us]\naccess_token = \"a\"\nrefresh_token = \"r\"\n";

    fn change(org: &str, replace: bool) -> StoreChange {
        StoreChange {
            organization: org.into(),
            platform: "woocommerce".into(),
            url: "http://127.0.0.1:4002/".into(),
            credentials: Secret::new(
                "consumer_key = \"ck_new\"\nconsumer_secret = \"cs_new\"\nwebhook_secret = \"wh\"\n",
            ),
            replace,
            settings: Vec::new(),
        }
    }

    fn parsed(config: &str, secrets: &str) -> (Config, Secrets) {
        let config = Config::from_toml(config, Path::new("config.toml")).unwrap();
        let secrets = Secrets::from_toml(secrets, Path::new("secrets.toml")).unwrap();
        secrets
            .check_against(&config, Path::new("secrets.toml"))
            .unwrap();
        (config, secrets)
    }

    #[test]
    fn replace_swaps_the_store_and_its_secrets_keeping_comments_and_shops() {
        let (config, secrets) = edit_files(
            CONFIG,
            SECRETS,
            &change("acme", true),
            StorePlatform::Woocommerce,
        )
        .unwrap();
        assert!(config.starts_with("# Our shops\n"), "{config}");
        assert!(config.contains("# the main one"), "{config}");
        assert!(!secrets.contains("shpat_old"), "{secrets}");
        assert!(secrets.contains("[tiktok.acme-us]"), "{secrets}");
        let (parsed_config, parsed_secrets) = parsed(&config, &secrets);
        let org = &parsed_config.organizations[0];
        let store = org.store.as_ref().unwrap();
        assert_eq!(store.platform, StorePlatform::Woocommerce);
        assert_eq!(store.shop_domain, "127.0.0.1:4002");
        assert_eq!(store.api_base.as_deref(), Some("http://127.0.0.1:4002"));
        assert_eq!(org.tiktok_shops.len(), 1);
        assert!(
            parsed_secrets
                .store(StorePlatform::Woocommerce, "acme")
                .is_some()
        );
        assert!(
            parsed_secrets
                .store(StorePlatform::Shopify, "acme")
                .is_none()
        );
    }

    #[test]
    fn connect_adds_an_organization_and_refuses_one_that_has_a_store() {
        let (config, secrets) = edit_files(
            CONFIG,
            SECRETS,
            &change("bolt", false),
            StorePlatform::Woocommerce,
        )
        .unwrap();
        let (parsed_config, _) = parsed(&config, &secrets);
        assert_eq!(parsed_config.organizations.len(), 2);
        assert_eq!(parsed_config.organizations[1].name, "bolt");
        let refused = edit_files(
            CONFIG,
            SECRETS,
            &change("acme", false),
            StorePlatform::Woocommerce,
        )
        .unwrap_err();
        assert!(
            refused.to_string().contains("store acme replace"),
            "{refused}"
        );
        let missing = edit_files(
            CONFIG,
            SECRETS,
            &change("bolt", true),
            StorePlatform::Woocommerce,
        )
        .unwrap_err();
        assert!(matches!(missing, RpcError::NotFound(_)), "{missing}");
    }

    #[test]
    fn an_amazon_store_takes_its_marketplace_and_seller_as_settings() {
        let amazon = StoreChange {
            platform: "amazon".into(),
            url: "https://sellingpartnerapi-na.amazon.com".into(),
            credentials: Secret::new(
                "client_id = \"amzn1.application-oa2-client.1\"\nclient_secret = \"cs\"\nrefresh_token = \"Atzr|1\"\n",
            ),
            settings: vec![
                ("marketplace_id".into(), "ATVPDKIKX0DER".into()),
                ("seller_id".into(), "A2SELLER0TOKEN".into()),
            ],
            ..change("acme", true)
        };
        let (config, secrets) =
            edit_files(CONFIG, SECRETS, &amazon, StorePlatform::Amazon).unwrap();
        let (parsed_config, _) = parsed(&config, &secrets);
        let store = parsed_config.organizations[0].store.clone().unwrap();
        assert_eq!(store.platform, StorePlatform::Amazon);
        assert_eq!(store.marketplace_id.as_deref(), Some("ATVPDKIKX0DER"));
        assert_eq!(store.seller_id.as_deref(), Some("A2SELLER0TOKEN"));

        let mut unknown = amazon;
        unknown
            .settings
            .push(("shop_domain".into(), "elsewhere".into()));
        let refused = edit_files(CONFIG, SECRETS, &unknown, StorePlatform::Amazon).unwrap_err();
        assert!(matches!(refused, RpcError::Invalid(_)), "{refused}");
        assert!(
            refused.to_string().contains("not a store setting"),
            "{refused}"
        );
    }

    #[test]
    fn disconnect_then_connect_again() {
        let (config, secrets) = edit_files_disconnect(CONFIG, SECRETS, "acme").unwrap();
        assert!(!secrets.contains("shpat_old"), "{secrets}");
        assert!(!secrets.contains("[shopify"), "{secrets}");
        let (parsed_config, _) = parsed(&config, &secrets);
        assert!(parsed_config.organizations[0].store.is_none());
        assert_eq!(parsed_config.organizations[0].tiktok_shops.len(), 1);
        let again = edit_files_disconnect(&config, &secrets, "acme").unwrap_err();
        assert!(matches!(again, RpcError::Conflict(_)), "{again}");
        let (config, secrets) = edit_files(
            &config,
            &secrets,
            &change("acme", false),
            StorePlatform::Woocommerce,
        )
        .unwrap();
        let (parsed_config, _) = parsed(&config, &secrets);
        assert!(parsed_config.organizations[0].store.is_some());
    }

    #[test]
    fn bad_credentials_are_refused_without_echoing_them() {
        let mut bad = change("acme", true);
        bad.credentials = Secret::new("consumer_key = sk_live_1234\n");
        let error = edit_files(CONFIG, SECRETS, &bad, StorePlatform::Woocommerce)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("sk_live_1234"), "{error}");
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn the_address_gives_shop_domain_and_api_base_only_when_needed() {
        assert_eq!(
            store_address("https://acme.myshopify.com/").unwrap(),
            ("acme.myshopify.com".into(), None)
        );
        assert_eq!(
            store_address("http://127.0.0.1:4002").unwrap(),
            (
                "127.0.0.1:4002".into(),
                Some("http://127.0.0.1:4002".into())
            )
        );
        assert!(store_address("ftp://x").is_err());
        assert!(store_address("shop.example.com").is_err());
    }

    #[test]
    fn files_are_replaced_whole_and_secrets_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, "new", 0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
