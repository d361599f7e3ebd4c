//! The compliance subcommands: brand, brands, size-chart, certification and compliance (EU
//! operators of a shop). Parsing lives here and in [`crate::cli`]; this module calls the
//! daemon and prints.

use crate::cli::{Call, CliError, emit, say};
use crate::client::{ctx, long_ctx};
use crate::format::{NONE, text_table};
use clap::{Args, Subcommand, ValueEnum};
use feedbridge_common::compliance::{
    BrandChoice, BrandView, ComplianceChange, ComplianceTarget, ComplianceView, ListingCompliance,
    NewOperator, OperatorRole, ShopCompliance, SizeChartChoice, SizeChartTemplate,
};

/// Whose choices: one listing, or with --category the default of a shop's category.
#[derive(Debug, Args)]
pub struct Target {
    /// The listing (the LISTING column of `feedbridge products`).
    #[arg(value_name = "LISTING_ID", required_unless_present = "category")]
    pub listing_id: Option<i64>,
    /// The default of every listing of SHOP mapped to CATEGORY_ID instead of one listing.
    #[arg(
        long,
        num_args = 2,
        value_names = ["SHOP", "CATEGORY_ID"],
        conflicts_with = "listing_id"
    )]
    pub category: Option<Vec<String>>,
}

impl Target {
    fn rpc(&self) -> Result<ComplianceTarget, CliError> {
        match (&self.category, self.listing_id) {
            (Some(pair), _) if pair.len() == 2 => Ok(ComplianceTarget::Category {
                shop: pair[0].clone(),
                category_id: pair[1].clone(),
            }),
            (None, Some(listing_id)) => Ok(ComplianceTarget::Listing { listing_id }),
            _ => Err(anyhow::anyhow!("give a LISTING_ID, or --category SHOP CATEGORY_ID").into()),
        }
    }
}

#[derive(Debug, Args)]
pub struct BrandArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub change: Option<BrandChange>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum BrandChange {
    /// BRAND_ID from `feedbridge brands SHOP`, or `none` to list without a brand.
    Set {
        #[arg(value_name = "BRAND_ID|none")]
        brand: String,
    },
    /// Back to the category's default.
    Clear,
}

#[derive(Debug, Args)]
pub struct SizeChartArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub change: Option<SizeChartChange>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SizeChartChange {
    /// An image file path, an http(s) URL the store serves, or template:ID (a TikTok size
    /// chart template, see `templates`).
    Set {
        #[arg(value_name = "PATH|URL|template:ID")]
        chart: String,
    },
    /// Back to the category's default.
    Clear,
    /// The shop's size chart templates (made in Seller Center), to use as template:ID.
    Templates {
        /// Only templates whose name contains this text.
        search: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct CertificationArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub change: Option<CertificationChange>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CertificationChange {
    /// The documents of certification CERT_ID (see `feedbridge product LISTING_ID`): images
    /// (JPG, PNG, WEBP, HEIC, BMP) or PDF files, each a path or an http(s) URL.
    Set {
        #[arg(value_name = "CERT_ID")]
        cert_id: String,
        #[arg(value_name = "PATH|URL", required = true)]
        sources: Vec<String>,
    },
    /// Drop a certification's documents.
    Remove {
        #[arg(value_name = "CERT_ID")]
        cert_id: String,
    },
}

#[derive(Debug, Args)]
pub struct ShopComplianceArgs {
    /// The TikTok shop's name in the config.
    pub shop: String,
    #[command(subcommand)]
    pub change: Option<ShopComplianceChange>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Role {
    Manufacturer,
    ResponsiblePerson,
}

#[derive(Debug, Subcommand)]
pub enum ShopComplianceChange {
    /// The EU manufacturer and responsible person (TikTok ids, from Seller Center or
    /// `create`) every product of the shop names.
    Set {
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "responsible_person"
        )]
        manufacturer: Option<String>,
        #[arg(long, value_name = "ID")]
        responsible_person: Option<String>,
    },
    /// Register a manufacturer or responsible person with TikTok and use it for the shop.
    Create {
        #[arg(value_enum)]
        role: Role,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The phone's country code, e.g. +49.
        #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
        phone_code: String,
        #[arg(long, value_name = "NUMBER")]
        phone: String,
        #[arg(long)]
        street: String,
        #[arg(long)]
        city: String,
        #[arg(long)]
        postal_code: String,
        /// ISO country code, e.g. DE.
        #[arg(long)]
        country: String,
        /// TikTok profile language: de-DE, en-IE, es-ES, fr-FR or it-IT.
        #[arg(long, default_value = "en-IE")]
        locale: String,
    },
}

/// A relative path is made absolute here: the daemon reads it from its own directory.
fn absolute(source: &str) -> Result<String, CliError> {
    if source.starts_with("http://")
        || source.starts_with("https://")
        || source.starts_with("template:")
        || std::path::Path::new(source).is_absolute()
    {
        return Ok(source.to_owned());
    }
    let here = std::env::current_dir().map_err(anyhow::Error::from)?;
    Ok(here.join(source).display().to_string())
}

async fn set(
    call: &Call,
    target: ComplianceTarget,
    change: ComplianceChange,
    out: &mut String,
) -> Result<(), CliError> {
    let answer = call.client.set_compliance(long_ctx(), target, change).await;
    say(out, answer.map_err(|e| call.lost(e))??);
    Ok(())
}

/// Show the choices of the target: a listing's full view, or a category's default.
async fn show(
    call: &Call,
    target: ComplianceTarget,
    json: bool,
    out: &mut String,
) -> Result<(), CliError> {
    match target {
        ComplianceTarget::Listing { listing_id } => {
            let answer = call.client.compliance(long_ctx(), listing_id).await;
            let view = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &view, format_view)
        }
        ComplianceTarget::Category { .. } => Err(anyhow::anyhow!(
            "a category's default is shown on each of its listings: feedbridge product LISTING_ID"
        )
        .into()),
    }
}

pub(crate) async fn brand(call: &Call, args: BrandArgs, out: &mut String) -> Result<(), CliError> {
    let target = args.target.rpc()?;
    let brand = match args.change {
        None => return show(call, target, args.json, out).await,
        Some(BrandChange::Clear) => None,
        Some(BrandChange::Set { brand }) if brand.eq_ignore_ascii_case("none") => {
            Some(BrandChoice::NoBrand)
        }
        Some(BrandChange::Set { brand }) => Some(BrandChoice::Brand {
            id: brand,
            name: String::new(),
        }),
    };
    set(call, target, ComplianceChange::Brand { brand }, out).await
}

pub(crate) async fn size_chart(
    call: &Call,
    args: SizeChartArgs,
    out: &mut String,
) -> Result<(), CliError> {
    let target = args.target.rpc()?;
    let size_chart = match args.change {
        None => return show(call, target, args.json, out).await,
        Some(SizeChartChange::Templates { search }) => {
            let shop = target_shop(call, &target).await?;
            let answer = call
                .client
                .size_chart_templates(long_ctx(), shop.clone(), search.unwrap_or_default())
                .await;
            let templates = answer.map_err(|e| call.lost(e))??;
            return emit(out, args.json, &templates, |t| {
                format_size_chart_templates(&shop, t)
            });
        }
        Some(SizeChartChange::Clear) => None,
        Some(SizeChartChange::Set { chart }) => {
            Some(SizeChartChoice::parse(&absolute(&chart)?).map_err(anyhow::Error::msg)?)
        }
    };
    set(
        call,
        target,
        ComplianceChange::SizeChart { size_chart },
        out,
    )
    .await
}

/// The TikTok shop a target belongs to: the category's, or the listing's.
async fn target_shop(call: &Call, target: &ComplianceTarget) -> Result<String, CliError> {
    match target {
        ComplianceTarget::Category { shop, .. } => Ok(shop.clone()),
        ComplianceTarget::Listing { listing_id } => {
            let answer = call.client.product_detail(ctx(), *listing_id).await;
            Ok(answer.map_err(|e| call.lost(e))??.product.shop)
        }
    }
}

pub fn format_size_chart_templates(shop: &str, templates: &[SizeChartTemplate]) -> String {
    if templates.is_empty() {
        return format!(
            "{shop} has no size chart template matching; make one in Seller Center → Products → Size charts, or set an image (size-chart ID set PATH|URL).\n"
        );
    }
    let rows: Vec<Vec<String>> = templates
        .iter()
        .map(|t| vec![format!("template:{}", t.id), t.name.clone()])
        .collect();
    let mut out = text_table(&["SIZE CHART", "NAME"], &rows);
    out.push_str("Use one with: feedbridge size-chart ID set template:TEMPLATE_ID\n");
    out
}

pub(crate) async fn certification(
    call: &Call,
    args: CertificationArgs,
    out: &mut String,
) -> Result<(), CliError> {
    let target = args.target.rpc()?;
    let change = match args.change {
        None => return show(call, target, args.json, out).await,
        Some(CertificationChange::Remove { cert_id }) => ComplianceChange::Certification {
            id: cert_id,
            sources: Vec::new(),
        },
        Some(CertificationChange::Set { cert_id, sources }) => ComplianceChange::Certification {
            id: cert_id,
            sources: sources
                .iter()
                .map(|s| absolute(s))
                .collect::<Result<_, _>>()?,
        },
    };
    set(call, target, change, out).await
}

pub(crate) async fn brands(
    call: &Call,
    shop: String,
    category: Option<String>,
    search: Option<String>,
    json: bool,
    out: &mut String,
) -> Result<(), CliError> {
    let answer = call
        .client
        .brands(long_ctx(), shop, category, search.unwrap_or_default())
        .await;
    let brands = answer.map_err(|e| call.lost(e))??;
    emit(out, json, &brands, |b| format_brands(b))
}

pub(crate) async fn shop(
    call: &Call,
    args: ShopComplianceArgs,
    out: &mut String,
) -> Result<(), CliError> {
    let shop = args.shop;
    match args.change {
        None => {
            let answer = call.client.shop_compliance(ctx(), shop.clone()).await;
            let compliance = answer.map_err(|e| call.lost(e))??;
            emit(out, args.json, &compliance, format_shop)
        }
        Some(ShopComplianceChange::Set {
            manufacturer,
            responsible_person,
        }) => {
            let answer = call.client.shop_compliance(ctx(), shop.clone()).await;
            let mut compliance = answer.map_err(|e| call.lost(e))??;
            if let Some(id) = manufacturer {
                compliance.manufacturer_ids = vec![id];
            }
            if let Some(id) = responsible_person {
                compliance.responsible_person_ids = vec![id];
            }
            let answer = call
                .client
                .set_shop_compliance(ctx(), shop, compliance)
                .await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Some(ShopComplianceChange::Create {
            role,
            name,
            email,
            phone_code,
            phone,
            street,
            city,
            postal_code,
            country,
            locale,
        }) => {
            let role = match role {
                Role::Manufacturer => OperatorRole::Manufacturer,
                Role::ResponsiblePerson => OperatorRole::ResponsiblePerson,
            };
            let operator = NewOperator {
                name,
                email,
                phone_country_code: phone_code,
                phone_number: phone,
                street,
                city,
                postal_code,
                country,
                locale,
            };
            let answer = call
                .client
                .create_operator(long_ctx(), shop.clone(), role, operator)
                .await;
            let id = answer.map_err(|e| call.lost(e))??;
            say(
                out,
                format!(
                    "Registered the {} {id} with TikTok; {shop}'s products now name it.",
                    role.label()
                ),
            );
            Ok(())
        }
    }
}

pub fn format_brands(brands: &[BrandView]) -> String {
    if brands.is_empty() {
        return "No matching brands.\n".into();
    }
    let rows: Vec<Vec<String>> = brands
        .iter()
        .map(|b| {
            vec![
                b.id.clone(),
                b.name.clone(),
                if b.authorized {
                    "yes".into()
                } else {
                    "no (apply in Seller Center)".into()
                },
            ]
        })
        .collect();
    text_table(&["ID", "BRAND", "AUTHORIZED"], &rows)
}

pub fn format_shop(compliance: &ShopCompliance) -> String {
    let ids = |ids: &[String]| {
        if ids.is_empty() {
            NONE.to_string()
        } else {
            ids.join(", ")
        }
    };
    format!(
        "manufacturer:       {}\nresponsible person: {}\n",
        ids(&compliance.manufacturer_ids),
        ids(&compliance.responsible_person_ids)
    )
}

/// Where a choice came from: the listing itself or its category's default.
fn origin<T: PartialEq>(own: &Option<T>, effective: &Option<T>) -> &'static str {
    match (own, effective) {
        (Some(_), _) => "",
        (None, Some(_)) => " (category default)",
        (None, None) => "",
    }
}

/// The compliance lines of a listing (also part of `feedbridge product`).
pub fn format_view(view: &ComplianceView) -> String {
    let mut out = String::new();
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<15} {value}\n"));
    let ListingCompliance {
        brand, size_chart, ..
    } = &view.effective;
    field(
        "brand:",
        brand.as_ref().map_or_else(
            || "none".to_string(),
            |b| format!("{}{}", b.label(), origin(&view.listing.brand, brand)),
        ),
    );
    match size_chart {
        Some(chart) => field(
            "size chart:",
            format!(
                "{}{}",
                chart.label(),
                origin(&view.listing.size_chart, size_chart)
            ),
        ),
        None if view.size_chart_required => field("size chart:", "missing — required".into()),
        None => {}
    }
    for requirement in &view.certifications {
        let chosen = view
            .effective
            .certifications
            .iter()
            .find(|c| c.id == requirement.id)
            .map_or_else(
                || {
                    if requirement.required {
                        "missing — required".to_string()
                    } else {
                        "none (optional)".to_string()
                    }
                },
                |c| c.sources.join(", "),
            );
        field(
            "certification:",
            format!("{} {}: {chosen}", requirement.id, requirement.name),
        );
    }
    for chosen in view
        .effective
        .certifications
        .iter()
        .filter(|c| !view.certifications.iter().any(|r| r.id == c.id))
    {
        field(
            "certification:",
            format!(
                "{}: {} (not asked for by the category; not sent)",
                chosen.id,
                chosen.sources.join(", ")
            ),
        );
    }
    if !view.shop.manufacturer_ids.is_empty() || !view.shop.responsible_person_ids.is_empty() {
        field("manufacturer:", view.shop.manufacturer_ids.join(", "));
        field("responsible:", view.shop.responsible_person_ids.join(", "));
    }
    if !view.missing.is_empty() {
        field("needs:", view.missing.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::compliance::{CertificationChoice, CertificationRequirement};

    #[test]
    fn size_chart_templates_print_as_the_value_set_takes() {
        let templates = [SizeChartTemplate {
            id: "7300000000000000602".into(),
            name: "Women's jeans".into(),
        }];
        let shown = format_size_chart_templates("demo-us", &templates);
        assert!(shown.contains("template:7300000000000000602"), "{shown}");
        assert!(shown.contains("Women's jeans"), "{shown}");
        assert!(shown.contains("size-chart ID set template:"), "{shown}");
        let none = format_size_chart_templates("demo-us", &[]);
        assert!(none.contains("Seller Center"), "{none}");
    }

    #[test]
    fn view_names_choices_their_origin_and_what_is_missing() {
        let listing = ListingCompliance {
            brand: Some(BrandChoice::NoBrand),
            ..ListingCompliance::default()
        };
        let category_default = ListingCompliance {
            size_chart: Some(SizeChartChoice::Template { id: "9".into() }),
            ..ListingCompliance::default()
        };
        let mut effective = listing.or_default(&category_default);
        effective.certifications.push(CertificationChoice {
            id: "1".into(),
            sources: vec!["/srv/cpc.pdf".into()],
        });
        let view = ComplianceView {
            listing,
            category_default,
            effective,
            certifications: vec![CertificationRequirement {
                id: "1".into(),
                name: "CPC".into(),
                required: true,
            }],
            size_chart_required: true,
            missing: vec!["the manufacturer".into()],
            ..ComplianceView::default()
        };
        let text = format_view(&view);
        assert!(text.contains("brand:          no brand\n"), "{text}");
        assert!(text.contains("template 9 (category default)"), "{text}");
        assert!(text.contains("1 CPC: /srv/cpc.pdf"), "{text}");
        assert!(text.contains("needs:          the manufacturer"), "{text}");
    }

    #[test]
    fn relative_paths_become_absolute_and_urls_stay() {
        assert_eq!(
            absolute("https://shop.test/cpc.pdf").unwrap(),
            "https://shop.test/cpc.pdf"
        );
        assert_eq!(absolute("template:7").unwrap(), "template:7");
        assert!(absolute("cpc.pdf").unwrap().starts_with('/'));
    }
}
