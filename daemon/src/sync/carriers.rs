//! Which TikTok shipping provider a store carrier name means, and whether a tracking number
//! looks like one of that provider's. Pure functions: the flows decide what to do.

use crate::connector::ShippingProvider;
use feedbridge_common::orders::CarrierMapping;
use feedbridge_common::regions;

/// The provider a store carrier resolved to, and a warning when it was a guess.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderChoice {
    pub provider: ShippingProvider,
    pub warning: Option<String>,
}

/// The providers tried, in order, for an unmapped carrier in a shop's region (the regions
/// table: national posts and the market's largest carriers).
fn region_defaults(region: &str) -> &'static [String] {
    regions::region(region).map_or(&[], |r| r.default_carriers.as_slice())
}

/// The region's first default provider (what the carrier editor shows).
pub fn region_default(region: &str) -> Option<&'static str> {
    region_defaults(region).first().map(String::as_str)
}

fn normalized(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn by_name<'a>(providers: &'a [ShippingProvider], name: &str) -> Option<&'a ShippingProvider> {
    let wanted = normalized(name);
    providers.iter().find(|p| normalized(&p.name) == wanted)
}

/// Resolve `carrier` (as the store wrote it) against the providers TikTok offers for the
/// order's delivery option: the shop's mapping first, then the same name, then a provider
/// whose name the carrier contains ("Royal Mail Tracked 48" → "Royal Mail"), then the region's
/// default with a warning. `Err` explains what the merchant must do.
pub fn choose_provider(
    carrier: &str,
    mappings: &[CarrierMapping],
    providers: &[ShippingProvider],
    region: &str,
) -> Result<ProviderChoice, String> {
    let offered = || {
        providers
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(mapping) = mappings
        .iter()
        .find(|m| m.store_carrier.trim().eq_ignore_ascii_case(carrier.trim()))
    {
        return by_name(providers, &mapping.tiktok_provider)
            .map(|provider| ProviderChoice {
                provider: provider.clone(),
                warning: None,
            })
            .ok_or_else(|| {
                format!(
                    "carrier \"{carrier}\" is mapped to \"{}\", which TikTok does not offer for this order's delivery option (it offers: {})",
                    mapping.tiktok_provider,
                    offered()
                )
            });
    }
    if let Some(provider) = by_name(providers, carrier) {
        return Ok(ProviderChoice {
            provider: provider.clone(),
            warning: None,
        });
    }
    let wanted = normalized(carrier);
    if !wanted.is_empty()
        && let Some(provider) = providers
            .iter()
            .filter(|p| {
                let name = normalized(&p.name);
                name.len() >= 3 && wanted.contains(&name)
            })
            .max_by_key(|p| normalized(&p.name).len())
    {
        return Ok(ProviderChoice {
            provider: provider.clone(),
            warning: None,
        });
    }
    if let Some((default, provider)) = region_defaults(region)
        .iter()
        .find_map(|default| Some((default, by_name(providers, default)?)))
    {
        return Ok(ProviderChoice {
            provider: provider.clone(),
            warning: Some(format!(
                "Carrier \"{carrier}\" has no TikTok mapping; sent as {default}, the {} default. Map it in the carrier editor if that is wrong.",
                region.to_ascii_uppercase()
            )),
        });
    }
    Err(format!(
        "carrier \"{carrier}\" matches no TikTok shipping provider for this order's delivery option (it offers: {})",
        offered()
    ))
}

/// TikTok provider names an Amazon carrier code (`fulfillmentShipmentPackage.carrierCode`)
/// may appear as, best first. Amazon does not enumerate its codes (amazon-mcf.md §8); these
/// are the ones MCF shipments commonly carry.
pub fn amazon_carrier_names(code: &str) -> &'static [&'static str] {
    match normalized(code).as_str() {
        "amznus" | "amzlus" | "amzn" | "amzl" | "amazon" | "amazonlogistics" => {
            &["Amazon Logistics US", "Amazon Logistics", "Amazon Shipping"]
        }
        "amznuk" | "amzluk" | "amzngb" | "amzlgb" => {
            &["Amazon Logistics UK", "Amazon Logistics", "Amazon Shipping"]
        }
        "ups" | "upsmi" | "upsmailinnovations" => &["UPS"],
        "usps" => &["USPS"],
        "fedex" | "fedexground" | "fedexsmartpost" => &["FedEx"],
        "royalmail" => &["Royal Mail"],
        "parcelforce" | "parcelforceworldwide" => &["Parcelforce"],
        "dhl" | "dhlecommerce" => &["DHL eCommerce", "DHL Express", "DHL"],
        "dhlexpress" => &["DHL Express", "DHL"],
        "ontrac" => &["OnTrac"],
        "dpd" | "dpduk" => &["DPD"],
        "evri" | "hermes" => &["Evri", "Hermes"],
        "yodel" => &["Yodel"],
        _ => &[],
    }
}

/// [`choose_provider`] for an Amazon carrier code: a shop mapping of the code itself wins,
/// then the first provider name the code stands for that TikTok offers, then the usual
/// fallbacks under the code's best name.
pub fn choose_amazon_provider(
    code: &str,
    mappings: &[CarrierMapping],
    providers: &[ShippingProvider],
    region: &str,
) -> Result<ProviderChoice, String> {
    let mapped = mappings
        .iter()
        .any(|m| m.store_carrier.trim().eq_ignore_ascii_case(code.trim()));
    let names = amazon_carrier_names(code);
    if !mapped {
        for name in names {
            if let Ok(choice) = choose_provider(name, mappings, providers, region)
                && choice.warning.is_none()
            {
                return Ok(choice);
            }
        }
    }
    let name = if mapped {
        code
    } else {
        names.first().copied().unwrap_or(code)
    };
    choose_provider(name, mappings, providers, region)
}

/// Why a tracking number cannot be right for a provider, when we know its format. TikTok's
/// own rule applies to all: 4–50 characters of letters, digits and `-_./`.
pub fn tracking_problem(provider: &str, number: &str) -> Option<String> {
    let number = number.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/');
    if !(4..=50).contains(&number.len()) || !number.chars().all(allowed) {
        return Some(format!(
            "tracking number \"{number}\" is not 4–50 letters, digits or - _ . / as TikTok requires"
        ));
    }
    let digits = |n: &str| n.chars().all(|c| c.is_ascii_digit());
    let upu = |n: &str, country: &str| {
        // S10 international format: two letters, nine digits, country code.
        n.len() == 13
            && n[..2].chars().all(|c| c.is_ascii_uppercase())
            && digits(&n[2..11])
            && &n[11..] == country
    };
    let (ok, expected) = match normalized(provider).as_str() {
        "ups" => (
            number.len() == 18
                && number.starts_with("1Z")
                && number[2..]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "1Z followed by 16 letters or digits",
        ),
        // IMpb: 20–22 digits, or 26/30/34 with the ZIP routing prefix.
        "usps" => (
            (digits(number) && matches!(number.len(), 20..=22 | 26 | 30 | 34)) || upu(number, "US"),
            "20–22 digits (26, 30 or 34 with a ZIP prefix), or two letters, nine digits and US",
        ),
        "fedex" => (
            digits(number) && [12, 15, 20, 22].contains(&number.len()),
            "12, 15, 20 or 22 digits",
        ),
        "royalmail" => (
            upu(number, "GB"),
            "two letters, nine digits and GB (e.g. AB123456789GB)",
        ),
        _ => (true, ""),
    };
    (!ok).then(|| {
        format!("tracking number \"{number}\" does not look like a {provider} number ({expected})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn providers(names: &[&str]) -> Vec<ShippingProvider> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| ShippingProvider {
                id: format!("p{i}"),
                name: (*name).to_owned(),
            })
            .collect()
    }

    fn map(store: &str, tiktok: &str) -> CarrierMapping {
        CarrierMapping {
            store_carrier: store.into(),
            tiktok_provider: tiktok.into(),
        }
    }

    #[test]
    fn mapping_wins_then_name_then_contained_name() {
        let offered = providers(&["USPS", "UPS", "Royal Mail", "DPD"]);
        let chosen = choose_provider("Our van", &[map("our van", "DPD")], &offered, "GB");
        assert_eq!(chosen.map(|c| c.provider.name), Ok("DPD".to_owned()));
        let chosen = choose_provider("ups", &[], &offered, "US").expect("by name");
        assert_eq!(
            (chosen.provider.name.as_str(), chosen.warning),
            ("UPS", None)
        );
        let chosen =
            choose_provider("Royal Mail Tracked 48", &[], &offered, "GB").expect("contains");
        assert_eq!(chosen.provider.name, "Royal Mail");
    }

    #[test]
    fn unmapped_carrier_falls_back_to_the_region_default_with_a_warning() {
        let offered = providers(&["Royal Mail", "DPD", "Evri"]);
        let chosen = choose_provider("Speedy Couriers", &[], &offered, "GB").expect("fallback");
        assert_eq!(chosen.provider.name, "Royal Mail");
        let warning = chosen.warning.expect("a warning");
        assert!(
            warning.contains("Speedy Couriers") && warning.contains("GB default"),
            "{warning}"
        );
    }

    #[test]
    fn every_market_falls_back_to_its_own_carriers_in_order() {
        let fallback = |region: &str, offered: &[&str]| {
            choose_provider("Local Van", &[], &providers(offered), region).map(|c| c.provider.name)
        };
        assert_eq!(fallback("US", &["UPS", "USPS"]), Ok("USPS".to_owned()));
        assert_eq!(fallback("DE", &["Hermes", "DHL"]), Ok("DHL".to_owned()));
        assert_eq!(
            fallback("JP", &["Japan Post", "Yamato Transport"]),
            Ok("Yamato Transport".to_owned())
        );
        assert_eq!(
            fallback("MX", &["FedEx", "Estafeta"]),
            Ok("Estafeta".to_owned())
        );
        assert_eq!(
            fallback("SG", &["SingPost", "Ninja Van"]),
            Ok("Ninja Van".to_owned())
        );
        // The first default is not offered: the next one is used.
        assert_eq!(fallback("GB", &["DPD", "Evri"]), Ok("Evri".to_owned()));
        assert_eq!(
            fallback("SG", &["SingPost", "J&T Express"]),
            Ok("J&T Express".to_owned())
        );
        assert_eq!(region_default("uk"), Some("Royal Mail"));
        assert_eq!(region_default("JP"), Some("Yamato Transport"));
        assert_eq!(region_default("BR"), None);
    }

    #[test]
    fn no_match_and_no_default_names_what_is_offered() {
        // DE falls back to DHL, which this delivery option does not offer.
        let offered = providers(&["J&T Express", "Ninja Van"]);
        let error = choose_provider("Speedy", &[], &offered, "DE").expect_err("no provider");
        assert!(error.contains("J&T Express, Ninja Van"), "{error}");
        let error = choose_provider("Speedy", &[], &offered, "BR").expect_err("no region");
        assert!(error.contains("J&T Express, Ninja Van"), "{error}");
        let error = choose_provider("Speedy", &[map("speedy", "FedEx")], &offered, "MY")
            .expect_err("mapped to a provider not offered");
        assert!(error.contains("mapped to \"FedEx\""), "{error}");
    }

    #[test]
    fn amazon_codes_become_tiktok_providers() {
        let offered = providers(&["USPS", "UPS", "Amazon Logistics US", "FedEx"]);
        let pick = |code: &str, mappings: &[CarrierMapping]| {
            choose_amazon_provider(code, mappings, &offered, "US").map(|c| c.provider.name)
        };
        assert_eq!(pick("AMZN_US", &[]), Ok("Amazon Logistics US".to_owned()));
        assert_eq!(pick("UPS", &[]), Ok("UPS".to_owned()));
        assert_eq!(pick("FEDEX", &[]), Ok("FedEx".to_owned()));
        assert_eq!(
            pick("AMZN_US", &[map("AMZN_US", "USPS")]),
            Ok("USPS".to_owned())
        );
        let uk = providers(&["Royal Mail", "Amazon Shipping"]);
        let choice = choose_amazon_provider("AMZN_UK", &[], &uk, "GB").expect("by name");
        assert_eq!(choice.provider.name, "Amazon Shipping");
        let choice = choose_amazon_provider("RoyalMail", &[], &uk, "GB").expect("by name");
        assert_eq!(
            (choice.provider.name.as_str(), choice.warning),
            ("Royal Mail", None)
        );
        // Unknown code: the region default, with a warning naming the code.
        let choice = choose_amazon_provider("XYZ", &[], &uk, "GB").expect("fallback");
        assert!(choice.warning.is_some_and(|w| w.contains("XYZ")));
    }

    #[test]
    fn amazon_uk_codes_become_the_gb_providers() {
        let gb = feedbridge_common::regions::region("GB").expect("GB is a region");
        let names: Vec<&str> = gb.carriers.iter().map(String::as_str).collect();
        let offered = providers(&names);
        let pick = |code: &str| {
            let choice = choose_amazon_provider(code, &[], &offered, "GB").expect("a provider");
            assert_eq!(choice.warning, None, "{code} needs no guess");
            choice.provider.name
        };
        assert_eq!(pick("AMZN_UK"), "Amazon Logistics UK");
        assert_eq!(pick("ROYAL_MAIL"), "Royal Mail");
        assert_eq!(pick("DPD_UK"), "DPD");
        assert_eq!(pick("HERMES"), "Evri");
        assert_eq!(pick("YODEL"), "Yodel");
        assert_eq!(pick("PARCELFORCE"), "Parcelforce");
        assert_eq!(pick("DHL"), "DHL Express");
    }

    #[test]
    fn tracking_formats() {
        assert_eq!(tracking_problem("UPS", "1Z001985YW99744790"), None);
        assert!(tracking_problem("UPS", "9400111899223857268499").is_some());
        assert_eq!(tracking_problem("USPS", "9400111899223857268499"), None);
        assert_eq!(
            tracking_problem("USPS", "420902109400111899223857268499"),
            None
        );
        assert!(tracking_problem("USPS", "94001729000940888596953").is_some());
        assert_eq!(tracking_problem("Royal Mail", "AB123456789GB"), None);
        assert!(tracking_problem("Royal Mail", "AB123456789US").is_some());
        assert_eq!(tracking_problem("FedEx", "123456789012"), None);
        assert_eq!(tracking_problem("Some Local Courier", "ABC-123"), None);
        assert!(tracking_problem("Some Local Courier", "a b").is_some());
        assert!(tracking_problem("DPD", "abc").is_some());
    }
}
