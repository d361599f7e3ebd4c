//! The daemon's answers to the calls the app queued.

use super::{App, Popup};
use crate::action::{Answer, Request};
use crate::format::plural;
use feedbridge_common::catalog::MappingReport;

impl App {
    pub(super) fn answered(&mut self, answer: Answer) {
        match answer {
            Answer::Message(Ok(message) | Err(message)) => self.notice(message),
            Answer::Categories { search, result } => {
                if let Some(Popup::Picker(picker)) = &mut self.popup
                    && picker.query.trim() == search
                {
                    picker.results_for = Some(picker.query.clone());
                    match result {
                        Ok(results) => {
                            picker.results = results;
                            picker.error = None;
                        }
                        Err(error) => {
                            picker.results.clear();
                            picker.error = Some(error);
                        }
                    }
                    picker.selected = picker
                        .selected
                        .min(picker.choices().len().saturating_sub(1));
                }
            }
            // No recommendation is no loss: the search still lists every category.
            Answer::Recommended { result, .. } => {
                if let Some(Popup::Picker(picker)) = &mut self.popup {
                    picker.recommended = result.ok();
                }
            }
            Answer::Mapped {
                category_id,
                result,
            } => match result {
                Err(error) => self.notice(format!("Could not map: {error}")),
                Ok(report) => self.mapped(&category_id, &report),
            },
            Answer::ProductDetail { listing_id, result } => {
                self.product_detail = Some((listing_id, result));
            }
            Answer::ConnectionTested { name, result } => match &mut self.popup {
                Some(Popup::ConnectionTest {
                    name: open,
                    result: slot,
                }) if *open == name => {
                    *slot = Some(result);
                }
                _ => self.notice(match result {
                    Ok(test) if test.ok => format!("{name}: every check passed."),
                    Ok(_) => format!("{name}: some checks failed; press t to see them."),
                    Err(error) => format!("Could not test {name}: {error}"),
                }),
            },
            Answer::AuthorizationStarted(result) => {
                if let Some(Popup::Authorization { start, .. }) = &mut self.popup {
                    *start = Some(result);
                } else if let Err(error) = result {
                    self.notice(format!("Could not start authorization: {error}"));
                }
            }
            Answer::LinkPreview { shop, result } => match &mut self.popup {
                Some(Popup::LinkPreview {
                    shop: open,
                    preview,
                    ..
                }) if *open == shop => *preview = Some(result),
                _ => {}
            },
            Answer::Linked { shop, result } => {
                if matches!(&self.popup, Some(Popup::LinkPreview { shop: open, .. }) if *open == shop)
                {
                    self.popup = None;
                }
                self.notice(match result {
                    Ok(count) => format!(
                        "Linked {} on {shop}; their price and stock now follow the store.",
                        plural(u64::from(count), "listing", "listings")
                    ),
                    Err(error) => format!("Could not link on {shop}: {error}"),
                });
            }
            Answer::OrderPage(page) => {
                if let Some(error) = super::answer(&mut self.orders, page, "orders") {
                    self.notice(error);
                }
                self.ask_pages();
            }
            Answer::ProductPage(page) => {
                if let Some(error) = super::answer(&mut self.products, page, "products") {
                    self.notice(error);
                }
                self.ask_pages();
            }
            Answer::FailurePage(page) => {
                if let Some(error) = super::answer(&mut self.failures, page, "failures") {
                    self.notice(error);
                }
                self.ask_pages();
            }
            Answer::OrderDetail { order_id, result } => {
                if let Some(Popup::OrderDetail(view)) = &mut self.popup
                    && view.order.id == order_id
                {
                    // A failed refresh keeps the detail already shown.
                    if result.is_ok() || !matches!(view.detail, Some(Ok(_))) {
                        view.detail = Some(result);
                    }
                }
            }
            Answer::Resynced { order_id, result } => {
                let message = match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not resync: {error}"),
                };
                if let Some(Popup::OrderDetail(view)) = &mut self.popup
                    && view.order.id == order_id
                {
                    view.resyncing = false;
                    view.resync = Some(result);
                    self.requests.push(Request::OrderDetail(order_id));
                }
                self.notice(message);
            }
            Answer::RetriedAll {
                kind,
                organization,
                result,
            } => self.notice(match result {
                Ok(count) => format!(
                    "Queued {} ({} of {organization}) for another attempt.",
                    plural(u64::from(count), "failure", "failures"),
                    kind.label()
                ),
                Err(error) => format!("Could not retry the {} failures: {error}", kind.label()),
            }),
            Answer::CarrierChoices { shop, result } => {
                if let Some(Popup::Carriers(editor)) = &mut self.popup
                    && editor.shop == shop
                {
                    editor.loaded_choices(result);
                }
            }
            Answer::CarrierMappingSet { shop, result } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not change the mapping: {error}"),
                });
                if let Some(Popup::Carriers(editor)) = &mut self.popup
                    && editor.shop == shop
                {
                    editor.saving = false;
                    editor.answer = Some(result);
                    self.requests.push(Request::CarrierChoices(shop));
                }
            }
            Answer::OrderSettings { shop, result } => {
                if let Some(Popup::OrderSettings(form)) = &mut self.popup
                    && form.shop == shop
                {
                    form.loaded_settings(result);
                }
            }
            Answer::AttributeForm { target, result } => {
                if let Some(Popup::Attributes(editor)) = &mut self.popup
                    && editor.is_for(&target)
                {
                    editor.loaded_form(result.map(|form| *form));
                }
            }
            Answer::AttributesSaved { target, result } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not save the attributes: {error}"),
                });
                if let Some(Popup::Attributes(editor)) = &mut self.popup
                    && editor.is_for(&target)
                {
                    let saved = result.is_ok();
                    editor.saved(result);
                    if saved {
                        // Sources and problems as the daemon now sees them.
                        self.requests.push(Request::AttributeForm(target));
                    }
                }
            }
            Answer::AttributeRules { shop, result } => {
                if let Some(Popup::Attributes(editor)) = &mut self.popup
                    && editor.shop == shop
                {
                    editor.rules = Some(result);
                }
            }
            Answer::AttributeRuleSet { shop, result } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not change the rule: {error}"),
                });
                if let Some(Popup::Attributes(editor)) = &mut self.popup
                    && editor.shop == shop
                {
                    let saved = result.is_ok();
                    editor.saved(result);
                    if saved {
                        // The rule may now fill a listing's attribute.
                        self.requests.extend(editor.load_requests());
                    }
                }
            }
            Answer::SizeChartTemplates { shop, result } => {
                if let Some(Popup::SizeCharts(picker)) = &mut self.popup
                    && picker.shop == shop
                {
                    picker.templates = Some(result);
                }
            }
            Answer::SizeChartSet { listing_id, result } => {
                self.notice(match result {
                    Ok(message) => message,
                    Err(error) => format!("Could not set the size chart: {error}"),
                });
                if matches!(&self.popup, Some(Popup::Detail)) {
                    self.requests.push(Request::ProductDetail(listing_id));
                }
            }
            Answer::StoreChanged {
                organization,
                result,
            } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("The store of {organization} is unchanged: {error}"),
                });
                if let Some(Popup::Store(form)) = &mut self.popup
                    && form.organization == organization
                {
                    form.saved(result);
                }
            }
            Answer::Ran { line, result } => self.show_output(format!(":{line}"), result),
            Answer::OrderSettingsSaved { shop, result } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not save the order settings of {shop}: {error}"),
                });
                if let Some(Popup::OrderSettings(form)) = &mut self.popup
                    && form.shop == shop
                {
                    form.saved(result);
                }
            }
        }
    }

    fn mapped(&mut self, category_id: &str, report: &MappingReport) {
        let mapped = plural(report.mapped.len() as u64, "listing", "listings");
        if report.refused.is_empty() {
            self.notice(format!("Mapped {mapped} to category {category_id}."));
            return;
        }
        let title_of = |id: i64| {
            self.products.find(id).map_or_else(
                || format!("Listing {id}"),
                |p| format!("{} (#{id})", p.title),
            )
        };
        let mut lines = vec![
            format!("Mapped {mapped} to category {category_id}."),
            String::new(),
        ];
        lines.push(format!("Not mapped ({}):", report.refused.len()));
        for (id, why) in &report.refused {
            lines.push(format!("  {}: {why}", title_of(*id)));
        }
        self.notice(format!(
            "Mapped {mapped}; {} refused.",
            report.refused.len()
        ));
        self.popup = Some(Popup::Report {
            title: "Category mapping".into(),
            lines,
        });
    }
}
