//! Opening popups, typing into them and submitting them.

use super::{App, Picker, Popup, parse_authorization_input};
use crate::action::{Panel, Request};
use crate::attribute_editor::AttributeEditor;
use crate::components::ConnectionRow;
use crate::editors::{CarrierEditor, OrderSettingsForm};
use crate::format::plural;
use crate::forms::{SizeChartPicker, StoreForm};

impl App {
    pub(super) fn open_carriers(&mut self) {
        let Some(row) = self.selected_connection(Some("Carrier mapping")) else {
            return;
        };
        let shop = row.view.name;
        self.requests.push(Request::CarrierChoices(shop.clone()));
        self.popup = Some(Popup::Carriers(Box::new(CarrierEditor::new(shop))));
    }

    pub(super) fn open_order_settings(&mut self) {
        let Some(row) = self.selected_connection(Some("Order settings")) else {
            return;
        };
        let shop = row.view.name;
        self.requests.push(Request::OrderSettings(shop.clone()));
        self.popup = Some(Popup::OrderSettings(Box::new(OrderSettingsForm::new(shop))));
    }

    /// The attribute form of the product in the detail (or the selected one).
    pub(super) fn open_attributes(&mut self) {
        let Some(product) = self.mapped_product("set attributes of") else {
            return;
        };
        let editor = AttributeEditor::listing(product.id, product.shop, product.title);
        self.open_attribute_editor(editor);
    }

    /// The defaults of the selected product's category on its shop, for every listing in it.
    pub(super) fn open_category_attributes(&mut self) {
        let Some(product) = self.mapped_product("set category defaults from") else {
            return;
        };
        let Some(category) = product.category else {
            return;
        };
        self.open_attribute_editor(AttributeEditor::category(product.shop, category.id));
    }

    pub(super) fn open_attribute_editor(&mut self, editor: AttributeEditor) {
        self.requests.extend(editor.load_requests());
        self.popup = Some(Popup::Attributes(Box::new(editor)));
    }

    /// The selected product if it has a TikTok category (attributes depend on it); None after
    /// telling why.
    fn mapped_product(&mut self, what: &str) -> Option<feedbridge_common::ProductView> {
        let Some(product) = self.products.selected().cloned() else {
            self.notice(format!("There is no product to {what}."));
            return None;
        };
        if product.category.is_none() {
            self.notice(format!(
                "{} has no TikTok category yet: m chooses one (its attributes depend on it).",
                product.title
            ));
            return None;
        }
        Some(product)
    }

    /// The size chart template picker of the selected product.
    pub(super) fn open_size_charts(&mut self) {
        let Some(product) = self.products.selected().cloned() else {
            self.notice("There is no product to choose a size chart for.".into());
            return;
        };
        self.requests
            .push(Request::SizeChartTemplates(product.shop.clone()));
        let picker = SizeChartPicker::new(product.id, product.shop, product.title);
        self.popup = Some(Popup::SizeCharts(Box::new(picker)));
    }

    /// The store form of the selected connection's organization.
    pub(super) fn open_store_form(&mut self) {
        let Some(row) = self.selected_connection(None) else {
            return;
        };
        let store = (!row.is_shop).then_some(row.view.platform.as_str());
        let platform = store.or_else(|| {
            self.connections
                .rows()
                .iter()
                .find(|r| !r.is_shop && r.organization == row.organization)
                .map(|r| r.view.platform.as_str())
        });
        let form = StoreForm::new(row.organization.clone(), platform);
        self.popup = Some(Popup::Store(Box::new(form)));
    }

    pub(super) fn edit_rule(&mut self) {
        if let Some(Popup::Attributes(editor)) = &mut self.popup
            && let Err(why) = editor.edit_rule()
        {
            self.notice(why);
        }
    }

    /// Run a carrier editor step; a refusal becomes a notice.
    pub(super) fn carrier_action(&mut self, step: fn(&mut CarrierEditor) -> Result<(), String>) {
        if let Some(Popup::Carriers(editor)) = &mut self.popup
            && let Err(why) = step(editor)
        {
            self.notice(why);
        }
    }

    pub(super) fn edit(&mut self) {
        let result = match &mut self.popup {
            Some(Popup::Carriers(editor)) => editor.edit(),
            Some(Popup::OrderSettings(form)) => form.edit(),
            Some(Popup::Attributes(editor)) => editor.edit(),
            Some(Popup::Store(form)) => {
                form.edit();
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(why) = result {
            self.notice(why);
        }
    }

    pub(super) fn delete_carrier(&mut self) {
        if let Some(Popup::Attributes(editor)) = &mut self.popup {
            editor.clear();
            return;
        }
        let Some(Popup::Carriers(editor)) = &mut self.popup else {
            return;
        };
        match editor.delete() {
            Ok(request) => {
                self.requests.push(request);
                self.notice("Removing the mapping…".into());
            }
            Err(why) => self.notice(why),
        }
    }

    pub(super) fn save_order_settings(&mut self) {
        if let Some(Popup::Store(form)) = &mut self.popup {
            match form.save() {
                Ok(request) => {
                    self.requests.push(request);
                    self.notice("Checking the store, then saving…".into());
                }
                Err(why) => self.notice(why),
            }
            return;
        }
        if let Some(Popup::Attributes(editor)) = &mut self.popup {
            match editor.save() {
                Ok(request) => {
                    self.requests.push(request);
                    self.notice("Saving the attributes…".into());
                }
                Err(why) => self.notice(why),
            }
            return;
        }
        let Some(Popup::OrderSettings(form)) = &mut self.popup else {
            return;
        };
        match form.save() {
            Ok(request) => {
                self.requests.push(request);
                self.notice("Saving the order settings…".into());
            }
            Err(why) => self.notice(why),
        }
    }

    pub(super) fn open_picker(&mut self) {
        let Some((shop, listing_ids)) = self.targets("map") else {
            return;
        };
        self.requests.push(Request::Categories {
            shop: shop.clone(),
            search: String::new(),
        });
        // One listing: ask TikTok which category suits its title.
        if let [listing_id] = listing_ids.as_slice()
            && let Some(product) = self
                .products
                .targets()
                .into_iter()
                .find(|p| p.id == *listing_id)
        {
            self.requests.push(Request::RecommendCategory {
                shop: shop.clone(),
                title: product.title.clone(),
            });
        }
        self.popup = Some(Popup::Picker(Picker {
            shop,
            listing_ids,
            query: String::new(),
            results: Vec::new(),
            results_for: None,
            error: None,
            selected: 0,
            recommended: None,
        }));
    }

    pub(super) fn unmap(&mut self) {
        let Some((_, ids)) = self.targets("unmap") else {
            return;
        };
        self.notice(format!(
            "Removing the category of {}…",
            plural(ids.len() as u64, "listing", "listings")
        ));
        self.requests.extend(ids.into_iter().map(Request::Unmap));
    }

    pub(super) fn bulk(&mut self, request: fn(Vec<i64>) -> Request, noun: &str, verb: &str) {
        let Some((_, ids)) = self.targets("submit") else {
            return;
        };
        self.notice(format!(
            "{verb} {} for {noun}…",
            plural(ids.len() as u64, "product", "products")
        ));
        self.requests.push(request(ids));
    }

    pub(super) fn open_link_prompt(&mut self) {
        let Some(product) = self.products.selected() else {
            self.notice("There is no product to link.".into());
            return;
        };
        self.popup = Some(Popup::LinkPrompt {
            listing_id: product.id,
            title: product.title.clone(),
            input: String::new(),
        });
    }

    fn selected_connection(&mut self, shop_only: Option<&str>) -> Option<ConnectionRow> {
        let Some(row) = self.connections.selected().cloned() else {
            self.notice("There is no connection selected.".into());
            return None;
        };
        if let Some(what) = shop_only
            && !row.is_shop
        {
            self.notice(format!("{what} is for TikTok shops; pick a shop row."));
            return None;
        }
        Some(row)
    }

    pub(super) fn test_connection(&mut self) {
        let Some(row) = self.selected_connection(None) else {
            return;
        };
        self.requests
            .push(Request::TestConnection(row.view.name.clone()));
        self.popup = Some(Popup::ConnectionTest {
            name: row.view.name,
            result: None,
        });
    }

    pub(super) fn authorize(&mut self) {
        let Some(row) = self.selected_connection(Some("Authorization")) else {
            return;
        };
        self.requests
            .push(Request::StartAuthorization(row.view.name.clone()));
        self.popup = Some(Popup::Authorization {
            shop: row.view.name,
            start: None,
            input: String::new(),
        });
    }

    pub(super) fn open_link_preview(&mut self) {
        let shop = if self.panel == Panel::Products {
            let Some(product) = self.products.selected() else {
                self.notice("There is no product, so no shop to link.".into());
                return;
            };
            product.shop.clone()
        } else {
            let Some(row) = self.selected_connection(Some("Linking by seller SKU")) else {
                return;
            };
            row.view.name
        };
        self.requests.push(Request::LinkPreview(shop.clone()));
        self.popup = Some(Popup::LinkPreview {
            shop,
            preview: None,
            applying: false,
        });
    }

    pub(super) fn input(&mut self, c: char) {
        if self.popup.is_none() && self.typing_filter {
            return self.filter_input(c);
        }
        let Some(input) = self.popup.as_mut().and_then(Popup::input_mut) else {
            return;
        };
        input.push(c);
        self.search_again();
    }

    pub(super) fn erase(&mut self) {
        if self.popup.is_none() && self.typing_filter {
            return self.filter_erase();
        }
        let Some(input) = self.popup.as_mut().and_then(Popup::input_mut) else {
            return;
        };
        if input.pop().is_some() {
            self.search_again();
        }
    }

    /// The picker's query changed: ask for the matching categories.
    fn search_again(&mut self) {
        if let Some(Popup::Picker(picker)) = &mut self.popup {
            picker.selected = 0;
            self.requests.push(Request::Categories {
                shop: picker.shop.clone(),
                search: picker.query.trim().to_string(),
            });
        }
    }

    pub(super) fn submit(&mut self) {
        let Some(popup) = self.popup.take() else {
            // Enter keeps the typed filter and gives the keys back to the list.
            self.typing_filter = false;
            return;
        };
        match popup {
            Popup::Picker(picker) => {
                let chosen = (!picker.is_searching())
                    .then(|| picker.choices().get(picker.selected).copied())
                    .flatten();
                let Some(category) = chosen.cloned() else {
                    self.notice("Pick a category from the list first.".into());
                    self.popup = Some(Popup::Picker(picker));
                    return;
                };
                self.notice(format!(
                    "Mapping {} to {}…",
                    plural(picker.listing_ids.len() as u64, "listing", "listings"),
                    category.name
                ));
                self.requests.push(Request::MapCategories {
                    listing_ids: picker.listing_ids,
                    category_id: category.id,
                });
            }
            Popup::LinkPrompt {
                listing_id,
                title,
                input,
            } => {
                let tiktok_product_id = input.trim().to_string();
                if tiktok_product_id.is_empty() {
                    self.notice("Type the TikTok product id first.".into());
                    self.popup = Some(Popup::LinkPrompt {
                        listing_id,
                        title,
                        input,
                    });
                    return;
                }
                self.notice(format!(
                    "Linking {title} to TikTok product {tiktok_product_id}…"
                ));
                self.requests.push(Request::LinkManual {
                    listing_id,
                    tiktok_product_id,
                });
            }
            Popup::Authorization { shop, start, input } => {
                let expected = start
                    .as_ref()
                    .and_then(|s| s.as_ref().ok())
                    .map(|s| s.state.clone());
                match parse_authorization_input(&input, expected.as_deref()) {
                    Ok((code, state)) => {
                        self.notice(format!("Authorizing {shop}…"));
                        self.requests
                            .push(Request::FinishAuthorization { shop, code, state });
                    }
                    Err(why) => {
                        self.notice(why);
                        self.popup = Some(Popup::Authorization { shop, start, input });
                    }
                }
            }
            Popup::LinkPreview {
                shop,
                preview,
                applying,
            } => {
                let matches = match &preview {
                    Some(Ok(preview)) => preview.matches.len(),
                    _ => 0,
                };
                if matches > 0 && !applying {
                    self.requests.push(Request::LinkApply(shop.clone()));
                    self.popup = Some(Popup::LinkPreview {
                        shop,
                        preview,
                        applying: true,
                    });
                } else {
                    if matches == 0 && preview.is_some() {
                        self.notice(format!("Nothing to link on {shop}."));
                    }
                    self.popup = Some(Popup::LinkPreview {
                        shop,
                        preview,
                        applying,
                    });
                }
            }
            Popup::Palette { input } => self.run_palette(input),
            Popup::ConfirmRetryAll {
                kind, organization, ..
            } => {
                self.notice(format!(
                    "Retrying every open {} failure of {organization}…",
                    kind.label()
                ));
                self.requests
                    .push(Request::RetryFailures { kind, organization });
            }
            Popup::Carriers(mut editor) => {
                match editor.submit() {
                    Ok(Some(request)) => {
                        self.notice("Saving the mapping…".into());
                        self.requests.push(request);
                    }
                    Ok(None) => {}
                    Err(why) => self.notice(why),
                }
                self.popup = Some(Popup::Carriers(editor));
            }
            Popup::OrderSettings(mut form) => {
                form.commit();
                self.popup = Some(Popup::OrderSettings(form));
            }
            Popup::SizeCharts(picker) => match picker.choose() {
                Ok(request) => {
                    self.notice(format!("Setting the size chart of {}…", picker.title));
                    self.requests.push(request);
                }
                Err(why) => {
                    self.notice(why);
                    self.popup = Some(Popup::SizeCharts(picker));
                }
            },
            Popup::Store(mut form) => {
                form.commit();
                self.popup = Some(Popup::Store(form));
            }
            Popup::Attributes(mut editor) if editor.rule_input.is_some() => {
                match editor.save_rule() {
                    Ok(request) => {
                        self.notice("Saving the rule…".into());
                        self.requests.push(request);
                    }
                    Err(why) => self.notice(why),
                }
                self.popup = Some(Popup::Attributes(editor));
            }
            Popup::Attributes(mut editor) => {
                if let Err(why) = editor.choose() {
                    self.notice(why);
                }
                self.popup = Some(Popup::Attributes(editor));
            }
            other => self.popup = Some(other),
        }
    }

    /// Ids and the one shop of the marked (or current) products; None after telling why.
    fn targets(&mut self, what: &str) -> Option<(String, Vec<i64>)> {
        let targets = self.products.targets();
        let Some(first) = targets.first() else {
            self.notice(format!("There is no product to {what}."));
            return None;
        };
        let shop = first.shop.clone();
        if targets.iter().any(|p| p.shop != shop) {
            self.notice(format!(
                "The selected products are on different shops; select products of one shop to {what}."
            ));
            return None;
        }
        let ids = targets.iter().map(|p| p.id).collect();
        Some((shop, ids))
    }

    /// Run a palette line through the CLI's parser; a line it refuses (or `help`) shows
    /// clap's answer at once, one it takes is run against the daemon.
    fn run_palette(&mut self, input: String) {
        let line = input.trim().to_string();
        if line.is_empty() {
            return;
        }
        let Some(words) = shlex::split(&line) else {
            self.notice("Unbalanced quotes in the command; close them and press Enter.".into());
            self.popup = Some(Popup::Palette { input });
            return;
        };
        match crate::cli::parse_palette(&words) {
            // A category's defaults without a change: the form, not a printout.
            Ok(crate::cli::Command::Attributes {
                category: Some(category),
                json: false,
                change: None,
                ..
            }) if category.len() == 2 => {
                let (shop, category_id) = (category[0].clone(), category[1].clone());
                self.open_attribute_editor(AttributeEditor::category(shop, category_id));
            }
            Ok(_) => {
                self.notice(format!("Running :{line}…"));
                self.requests.push(Request::Run(words));
            }
            Err(shown) => self.show_output(format!(":{line}"), shown),
        }
    }

    /// A palette command's output (or error) in a scrollable popup.
    pub(super) fn show_output(&mut self, title: String, result: Result<String, String>) {
        let (text, failed) = match result {
            Ok(text) => (text, false),
            Err(text) => (text, true),
        };
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push("Done.".into());
        }
        let first = lines.first().cloned().unwrap_or_default();
        self.notice(if failed {
            format!("{title} failed: {first}")
        } else {
            format!("{title}: {first}")
        });
        self.popup = Some(Popup::Output {
            title,
            lines,
            scroll: 0,
        });
    }

    pub(super) fn resync_order(&mut self) {
        if let Some(Popup::OrderDetail(view)) = &mut self.popup {
            if view.resyncing {
                return;
            }
            view.resyncing = true;
            view.resync = None;
            let id = view.order.id;
            let tiktok = view.order.tiktok_order_id.clone();
            self.requests.push(Request::ResyncOrder(id));
            self.notice(format!(
                "Asking the daemon to look at order {tiktok} again…"
            ));
        }
    }

    pub(super) fn ask_retry_all(&mut self) {
        let Some(failure) = self.failures.selected() else {
            self.notice("There is no failure to retry.".into());
            return;
        };
        let (kind, organization) = (failure.kind, failure.organization.clone());
        let count = self
            .failures
            .rows()
            .iter()
            .filter(|f| f.kind == kind && f.organization == organization)
            .count();
        self.popup = Some(Popup::ConfirmRetryAll {
            kind,
            organization,
            count,
        });
    }
}
