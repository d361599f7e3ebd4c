//! Performs the daemon calls the console's app queues and turns each answer into an action.

use crate::action::{Action, Answer, Credentials, PageAnswer, PageRequest, Request, ShopRules};
use crate::client::{ctx, long_ctx};
use crate::format::plural;
use feedbridge_common::ConsoleClient;
use feedbridge_common::compliance::{ComplianceChange, ComplianceTarget, SizeChartChoice};
use feedbridge_common::rpc::RpcError;
use feedbridge_common::secret::Secret;
use feedbridge_common::store_change::StoreChange;
use std::path::Path;

/// Flatten a call's two failure layers (transport, daemon) into one line.
fn flat<T>(result: Result<Result<T, RpcError>, tarpc::client::RpcError>) -> Result<T, String> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.to_string()),
        Err(error) => Err(format!("lost the daemon ({error})")),
    }
}

/// Make the call and describe its outcome; `socket` is where `client` is connected.
pub async fn perform(client: &ConsoleClient, socket: &Path, request: Request) -> Action {
    let answer = match request {
        Request::RetryFailure(id) => Answer::Message(
            flat(client.retry_failure(ctx(), id).await)
                .map_err(|e| format!("Could not retry failure #{id}: {e}")),
        ),
        Request::Categories { shop, search } => {
            let result = flat(client.categories(ctx(), shop, search.clone()).await);
            Answer::Categories { search, result }
        }
        Request::RecommendCategory { shop, title } => {
            let result = flat(
                client
                    .recommend_category(long_ctx(), shop, title.clone())
                    .await,
            );
            Answer::Recommended { title, result }
        }
        Request::MapCategories {
            listing_ids,
            category_id,
        } => {
            let result = flat(
                client
                    .map_categories(ctx(), listing_ids, category_id.clone())
                    .await,
            );
            Answer::Mapped {
                category_id,
                result,
            }
        }
        Request::Unmap(id) => Answer::Message(
            flat(client.unmap_category(ctx(), id).await)
                .map_err(|e| format!("Could not unmap listing {id}: {e}")),
        ),
        Request::List(ids) => Answer::Message(
            flat(client.list_products(ctx(), ids).await)
                .map(|n| {
                    format!(
                        "Queued {} for submission to TikTok.",
                        plural(u64::from(n), "listing", "listings")
                    )
                })
                .map_err(|e| format!("Could not list: {e}")),
        ),
        Request::Resubmit(ids) => Answer::Message(
            flat(client.resubmit(ctx(), ids).await)
                .map(|n| {
                    format!(
                        "Queued {} for another submission.",
                        plural(u64::from(n), "listing", "listings")
                    )
                })
                .map_err(|e| format!("Could not resubmit: {e}")),
        ),
        Request::LinkManual {
            listing_id,
            tiktok_product_id,
        } => Answer::Message(
            flat(
                client
                    .link_manual(ctx(), listing_id, tiktok_product_id)
                    .await,
            )
            .map_err(|e| format!("Could not link listing {listing_id}: {e}")),
        ),
        Request::ProductDetail(listing_id) => Answer::ProductDetail {
            listing_id,
            result: flat(client.product_detail(ctx(), listing_id).await).map(Box::new),
        },
        Request::TestConnection(name) => {
            let result = flat(client.test_connection(long_ctx(), name.clone()).await);
            Answer::ConnectionTested { name, result }
        }
        Request::StartAuthorization(shop) => {
            Answer::AuthorizationStarted(flat(client.start_authorization(ctx(), shop).await))
        }
        Request::FinishAuthorization { shop, code, state } => Answer::Message(
            flat(
                client
                    .finish_authorization(ctx(), shop.clone(), code, state)
                    .await,
            )
            .map_err(|e| format!("Could not authorize {shop}: {e}")),
        ),
        Request::LinkPreview(shop) => {
            let result = flat(client.link_preview(long_ctx(), shop.clone()).await);
            Answer::LinkPreview { shop, result }
        }
        Request::LinkApply(shop) => {
            let result = flat(client.link_apply(long_ctx(), shop.clone()).await);
            Answer::Linked { shop, result }
        }
        Request::OrderPage(PageRequest { seq, query }) => Answer::OrderPage(PageAnswer {
            seq,
            page: flat(client.order_page(ctx(), query).await),
        }),
        Request::ProductPage(PageRequest { seq, query }) => Answer::ProductPage(PageAnswer {
            seq,
            page: flat(client.product_page(ctx(), query).await),
        }),
        Request::FailurePage(PageRequest { seq, query }) => Answer::FailurePage(PageAnswer {
            seq,
            page: flat(client.failure_page(ctx(), query).await),
        }),
        Request::OrderDetail(order_id) => Answer::OrderDetail {
            order_id,
            result: flat(client.order_detail(ctx(), order_id).await).map(Box::new),
        },
        Request::ResyncOrder(order_id) => Answer::Resynced {
            order_id,
            result: flat(client.resync_order(ctx(), order_id).await),
        },
        Request::RetryFailures { kind, organization } => {
            let result = flat(
                client
                    .retry_failures(ctx(), kind, Some(organization.clone()))
                    .await,
            );
            Answer::RetriedAll {
                kind,
                organization,
                result,
            }
        }
        Request::CarrierChoices(shop) => {
            let result = flat(client.carrier_choices(long_ctx(), shop.clone()).await);
            Answer::CarrierChoices { shop, result }
        }
        Request::SetCarrierMapping {
            shop,
            store_carrier,
            tiktok_provider,
        } => {
            let result = flat(
                client
                    .set_carrier_mapping(ctx(), shop.clone(), store_carrier, tiktok_provider)
                    .await,
            );
            Answer::CarrierMappingSet { shop, result }
        }
        Request::OrderSettings(shop) => {
            let (orders, mcf) = tokio::join!(
                client.order_settings(ctx(), shop.clone()),
                client.mcf_settings(ctx(), shop.clone()),
            );
            let result =
                flat(orders).and_then(|orders| flat(mcf).map(|mcf| ShopRules { orders, mcf }));
            Answer::OrderSettings { shop, result }
        }
        Request::SetOrderSettings {
            shop,
            settings,
            mcf,
        } => {
            let mut result = flat(
                client
                    .set_order_settings(ctx(), shop.clone(), settings)
                    .await,
            );
            if let (Ok(saved), Some(mcf)) = (&result, mcf) {
                result = flat(client.set_mcf_settings(ctx(), shop.clone(), mcf).await)
                    .map(|also| format!("{saved} {also}"));
            }
            Answer::OrderSettingsSaved { shop, result }
        }
        Request::AttributeForm(target) => {
            let result =
                flat(client.attribute_form(long_ctx(), target.clone()).await).map(Box::new);
            Answer::AttributeForm { target, result }
        }
        Request::SetAttributes { target, values } => {
            let result = flat(
                client
                    .set_attributes(long_ctx(), target.clone(), values)
                    .await,
            );
            Answer::AttributesSaved { target, result }
        }
        Request::AttributeRules(shop) => {
            let result = flat(client.attribute_rules(ctx(), shop.clone()).await);
            Answer::AttributeRules { shop, result }
        }
        Request::SetAttributeRule {
            shop,
            attribute,
            source,
        } => {
            let result = flat(
                client
                    .set_attribute_rule(ctx(), shop.clone(), attribute, source)
                    .await,
            );
            Answer::AttributeRuleSet { shop, result }
        }
        Request::SizeChartTemplates(shop) => {
            let result = flat(
                client
                    .size_chart_templates(long_ctx(), shop.clone(), String::new())
                    .await,
            );
            Answer::SizeChartTemplates { shop, result }
        }
        Request::SetSizeChartTemplate {
            listing_id,
            template,
        } => {
            let change = ComplianceChange::SizeChart {
                size_chart: Some(SizeChartChoice::Template { id: template.id }),
            };
            let target = ComplianceTarget::Listing { listing_id };
            let result = flat(client.set_compliance(long_ctx(), target, change).await);
            Answer::SizeChartSet { listing_id, result }
        }
        Request::StoreConnect {
            organization,
            platform,
            url,
            settings,
            credentials,
            replace,
        } => {
            let result = match read_credentials(credentials).await {
                Ok(credentials) => {
                    let change = StoreChange {
                        organization: organization.clone(),
                        platform,
                        url,
                        credentials,
                        replace,
                        settings,
                    };
                    flat(client.store_connect(long_ctx(), change).await)
                }
                Err(why) => Err(why),
            };
            Answer::StoreChanged {
                organization,
                result,
            }
        }
        Request::StoreDisconnect(organization) => {
            let result = flat(
                client
                    .store_disconnect(long_ctx(), organization.clone())
                    .await,
            );
            Answer::StoreChanged {
                organization,
                result,
            }
        }
        Request::Run(words) => {
            let line = shlex::try_join(words.iter().map(String::as_str))
                .unwrap_or_else(|_| words.join(" "));
            let result =
                crate::cli::run_in_console(client.clone(), socket.to_path_buf(), words).await;
            Answer::Ran { line, result }
        }
    };
    Action::Answered(answer)
}

/// The credentials to send: typed ones as they are, a file's contents (never shown).
async fn read_credentials(credentials: Credentials) -> Result<Secret, String> {
    match credentials {
        Credentials::Typed(secret) => Ok(secret),
        Credentials::File(path) => tokio::fs::read_to_string(&path)
            .await
            .map(Secret::new)
            .map_err(|e| format!("Cannot read the credentials file {path}: {e}")),
    }
}

/// What to answer `request` with when there is no daemon to call: a page request is
/// answered (so the panel does not wait for it), anything else is a notice.
pub fn not_connected(request: &Request) -> Action {
    const WHY: &str = "Not connected to the daemon; try again once it is back.";
    fn failed<R>(seq: u64) -> PageAnswer<R> {
        PageAnswer {
            seq,
            page: Err(WHY.to_owned()),
        }
    }
    match request {
        Request::OrderPage(asked) => Action::Answered(Answer::OrderPage(failed(asked.seq))),
        Request::ProductPage(asked) => Action::Answered(Answer::ProductPage(failed(asked.seq))),
        Request::FailurePage(asked) => Action::Answered(Answer::FailurePage(failed(asked.seq))),
        _ => Action::Notice(WHY.into()),
    }
}
