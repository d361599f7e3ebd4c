//! The state behind the console's order detail, carrier mapping editor and order settings
//! form, and how their keys change it. No I/O: daemon calls come back as [`Request`]s for the
//! app to queue; drawing is in `components`.

use crate::action::{Request, ShopRules};
use crate::settings;
use feedbridge_common::OrderView;
use feedbridge_common::mcf::{FillPolicy, McfSettings, ShippingSpeed};
use feedbridge_common::orders::{
    CarrierChoices, CarrierMapping, FbtRule, OrderDetail, OrderSettings,
};

/// Lines one PgUp/PgDn moves.
pub const PAGE: u16 = 10;

/// The order detail popup: the row until the daemon's detail arrives, scrolled by ↑/↓.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderDetailView {
    pub order: OrderView,
    /// None until the daemon answered.
    pub detail: Option<Result<Box<OrderDetail>, String>>,
    /// First line shown.
    pub scroll: u16,
    /// True from `s` until the daemon answered.
    pub resyncing: bool,
    /// The daemon's answer to the last resync.
    pub resync: Option<Result<String, String>>,
}

impl OrderDetailView {
    pub fn new(order: OrderView) -> Self {
        Self {
            order,
            detail: None,
            scroll: 0,
            resyncing: false,
            resync: None,
        }
    }

    /// Scroll by `lines` (negative: up). The drawing stops at the last line.
    pub fn scroll_by(&mut self, lines: i32) {
        let scroll = i32::from(self.scroll).saturating_add(lines).max(0);
        self.scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    }
}

/// What the carrier editor is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarrierMode {
    /// Moving over the mappings and the carriers seen unmapped.
    Browse,
    /// Typing the store carrier's name of a new mapping.
    Naming { input: String },
    /// Choosing the TikTok provider for `store_carrier` from the shop's providers.
    Choosing {
        store_carrier: String,
        query: String,
        selected: usize,
    },
}

/// One line of the editor's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarrierRow<'a> {
    Mapped(&'a CarrierMapping),
    /// A carrier the store used that matched no provider: worth mapping.
    Unmapped(&'a str),
}

impl<'a> CarrierRow<'a> {
    pub fn store_carrier(&self) -> &'a str {
        match *self {
            Self::Mapped(mapping) => &mapping.store_carrier,
            Self::Unmapped(name) => name,
        }
    }
}

/// The carrier mapping editor of one TikTok shop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierEditor {
    pub shop: String,
    /// None until the daemon answered.
    pub choices: Option<Result<CarrierChoices, String>>,
    pub selected: usize,
    pub mode: CarrierMode,
    /// True from a change until the daemon answered.
    pub saving: bool,
    /// The daemon's answer to the last change.
    pub answer: Option<Result<String, String>>,
}

impl CarrierEditor {
    pub fn new(shop: String) -> Self {
        Self {
            shop,
            choices: None,
            selected: 0,
            mode: CarrierMode::Browse,
            saving: false,
            answer: None,
        }
    }

    fn loaded(&self) -> Option<&CarrierChoices> {
        self.choices.as_ref().and_then(|c| c.as_ref().ok())
    }

    /// The mappings, then the carriers seen unmapped that have no mapping since.
    pub fn rows(&self) -> Vec<CarrierRow<'_>> {
        let Some(choices) = self.loaded() else {
            return Vec::new();
        };
        let mapped = |name: &str| {
            choices
                .mappings
                .iter()
                .any(|m| m.store_carrier.eq_ignore_ascii_case(name))
        };
        choices
            .mappings
            .iter()
            .map(CarrierRow::Mapped)
            .chain(
                choices
                    .unmapped_seen
                    .iter()
                    .filter(|name| !mapped(name))
                    .map(|name| CarrierRow::Unmapped(name)),
            )
            .collect()
    }

    /// The shop's providers whose name contains `query` (ignoring case).
    pub fn providers_matching(&self, query: &str) -> Vec<&str> {
        let query = query.trim().to_lowercase();
        self.loaded()
            .map(|c| {
                c.providers
                    .iter()
                    .filter(|p| p.to_lowercase().contains(&query))
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn takes_input(&self) -> bool {
        !matches!(self.mode, CarrierMode::Browse)
    }

    /// The text being typed: the carrier name, or the provider filter.
    pub fn input_mut(&mut self) -> Option<&mut String> {
        match &mut self.mode {
            CarrierMode::Browse => None,
            CarrierMode::Naming { input } => Some(input),
            CarrierMode::Choosing {
                query, selected, ..
            } => {
                *selected = 0;
                Some(query)
            }
        }
    }

    pub fn move_by(&mut self, step: i32) {
        let len = match &self.mode {
            CarrierMode::Browse => self.rows().len(),
            CarrierMode::Naming { .. } => return,
            CarrierMode::Choosing { query, .. } => self.providers_matching(query).len(),
        };
        let slot = match &mut self.mode {
            CarrierMode::Choosing { selected, .. } => selected,
            _ => &mut self.selected,
        };
        *slot = step_index(*slot, step, len);
    }

    /// `a`: type a new carrier's name.
    pub fn add(&mut self) -> Result<(), String> {
        if self.loaded().is_none() {
            return Err("Wait for the shop's providers to load.".into());
        }
        self.mode = CarrierMode::Naming {
            input: String::new(),
        };
        Ok(())
    }

    /// Enter while browsing: choose the provider of the selected carrier.
    pub fn edit(&mut self) -> Result<(), String> {
        let rows = self.rows();
        let Some(row) = rows.get(self.selected) else {
            return Err("There is no mapping to edit; press a to add one.".into());
        };
        let store_carrier = row.store_carrier().to_string();
        let current = match row {
            CarrierRow::Mapped(m) => Some(m.tiktok_provider.clone()),
            CarrierRow::Unmapped(_) => None,
        };
        self.choose_for(store_carrier, current.as_deref());
        Ok(())
    }

    fn choose_for(&mut self, store_carrier: String, current: Option<&str>) {
        let selected = current
            .and_then(|p| self.providers_matching("").iter().position(|q| *q == p))
            .unwrap_or(0);
        self.mode = CarrierMode::Choosing {
            store_carrier,
            query: String::new(),
            selected,
        };
    }

    /// `d`: remove the selected mapping.
    pub fn delete(&mut self) -> Result<Request, String> {
        let rows = self.rows();
        match rows.get(self.selected) {
            Some(CarrierRow::Mapped(mapping)) => {
                let request = Request::SetCarrierMapping {
                    shop: self.shop.clone(),
                    store_carrier: mapping.store_carrier.clone(),
                    tiktok_provider: None,
                };
                self.saving = true;
                Ok(request)
            }
            Some(CarrierRow::Unmapped(name)) => {
                Err(format!("{name} has no mapping to delete; Enter maps it."))
            }
            None => Err("There is no mapping to delete.".into()),
        }
    }

    /// Enter while typing: the name goes on to choosing; a chosen provider is saved.
    pub fn submit(&mut self) -> Result<Option<Request>, String> {
        match &self.mode {
            CarrierMode::Browse => Ok(None),
            CarrierMode::Naming { input } => {
                let name = input.trim().to_string();
                if name.is_empty() {
                    return Err("Type the carrier's name as the store writes it.".into());
                }
                let current = self.loaded().and_then(|c| {
                    c.mappings
                        .iter()
                        .find(|m| m.store_carrier.eq_ignore_ascii_case(&name))
                        .map(|m| m.tiktok_provider.clone())
                });
                self.choose_for(name, current.as_deref());
                Ok(None)
            }
            CarrierMode::Choosing {
                store_carrier,
                query,
                selected,
            } => {
                let Some(provider) = self.providers_matching(query).get(*selected).copied() else {
                    return Err("No provider matches; type fewer letters.".into());
                };
                let request = Request::SetCarrierMapping {
                    shop: self.shop.clone(),
                    store_carrier: store_carrier.clone(),
                    tiktok_provider: Some(provider.to_string()),
                };
                self.mode = CarrierMode::Browse;
                self.saving = true;
                Ok(Some(request))
            }
        }
    }

    /// Esc: back to browsing; false when already browsing (the editor closes).
    pub fn back(&mut self) -> bool {
        if self.mode == CarrierMode::Browse {
            return false;
        }
        self.mode = CarrierMode::Browse;
        true
    }

    /// Fresh data from the daemon; the selection stays in range.
    pub fn loaded_choices(&mut self, result: Result<CarrierChoices, String>) {
        self.choices = Some(result);
        self.selected = self.selected.min(self.rows().len().saturating_sub(1));
    }
}

/// The fields of the order settings form, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Hold,
    Prefix,
    FbtRule,
    FbtTag,
    Inventory,
    Restock,
    McfSpeed,
    McfPolicy,
    McfMaxUnits,
    McfMaxValue,
    McfExcluded,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Self::Hold,
        Self::Prefix,
        Self::FbtRule,
        Self::FbtTag,
        Self::Inventory,
        Self::Restock,
        Self::McfSpeed,
        Self::McfPolicy,
        Self::McfMaxUnits,
        Self::McfMaxValue,
        Self::McfExcluded,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Hold => "Hold (minutes)",
            Self::Prefix => "Order-number prefix",
            Self::FbtRule => "FBT orders",
            Self::FbtTag => "FBT tag",
            Self::Inventory => "Store stock",
            Self::Restock => "Restock on cancel",
            Self::McfSpeed => "Amazon MCF speed",
            Self::McfPolicy => "Amazon MCF fill policy",
            Self::McfMaxUnits => "Amazon MCF max units",
            Self::McfMaxValue => "Amazon MCF max value",
            Self::McfExcluded => "Never via Amazon MCF",
        }
    }

    /// The `feedbridge settings SHOP set` key of the field.
    pub fn key(self) -> &'static str {
        match self {
            Self::Hold => "hold",
            Self::Prefix => "order-prefix",
            Self::FbtRule => "fbt-rule",
            Self::FbtTag => "fbt-tag",
            Self::Inventory => "inventory",
            Self::Restock => "restock",
            Self::McfSpeed => "mcf-speed",
            Self::McfPolicy => "mcf-policy",
            Self::McfMaxUnits => "mcf-max-units",
            Self::McfMaxValue => "mcf-max-value",
            Self::McfExcluded => "mcf-excluded",
        }
    }

    /// Typed in (Enter edits) rather than switched (Enter toggles).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::Hold
                | Self::Prefix
                | Self::FbtTag
                | Self::McfMaxUnits
                | Self::McfMaxValue
                | Self::McfExcluded
        )
    }

    /// What the form shows under the field: what the value means.
    pub fn help(self) -> &'static str {
        let key = self.key();
        if key.starts_with("mcf-") {
            settings::mcf_key_help(key)
        } else {
            settings::order_key_help(key)
        }
    }

    /// The value as the form shows it.
    pub fn value(self, settings: &OrderSettings, mcf: &McfSettings) -> String {
        let or_none = |text: &str| {
            if text.is_empty() {
                "none".to_string()
            } else {
                text.to_string()
            }
        };
        match self {
            Self::Hold => settings.hold_minutes.to_string(),
            Self::Prefix => or_none(&settings.order_number_prefix),
            Self::FbtRule => settings.fbt_rule.label().to_string(),
            Self::FbtTag => or_none(&settings.fbt_tag),
            Self::Inventory => settings.inventory_behaviour.label().to_string(),
            Self::Restock => crate::format::yes_no(settings.restock_on_cancel).to_string(),
            Self::McfSpeed => mcf.speed.as_str().to_string(),
            Self::McfPolicy => mcf.policy.label().to_string(),
            Self::McfMaxUnits => mcf
                .max_units
                .map_or_else(|| "none".to_string(), |n| n.to_string()),
            Self::McfMaxValue => mcf
                .max_order_value
                .map_or_else(|| "none".to_string(), |v| v.to_string()),
            Self::McfExcluded if mcf.excluded_skus.is_empty() => "none".to_string(),
            Self::McfExcluded => mcf
                .excluded_skus
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// The text an edit starts from.
    fn text(self, settings: &OrderSettings, mcf: &McfSettings) -> String {
        match self {
            Self::Hold => settings.hold_minutes.to_string(),
            Self::Prefix => settings.order_number_prefix.clone(),
            Self::FbtTag => settings.fbt_tag.clone(),
            Self::McfMaxUnits | Self::McfMaxValue | Self::McfExcluded => self.value(settings, mcf),
            _ => String::new(),
        }
    }
}

/// The order settings form of one TikTok shop: a draft edited field by field, saved whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderSettingsForm {
    pub shop: String,
    /// The daemon's settings; None until it answered.
    pub loaded: Option<Result<OrderSettings, String>>,
    pub draft: OrderSettings,
    /// The shop's Amazon MCF rules as loaded or last saved, and as edited.
    pub loaded_mcf: Option<McfSettings>,
    pub mcf_draft: McfSettings,
    pub selected: usize,
    /// The text being typed into the selected field.
    pub editing: Option<String>,
    /// Why the typed text was refused.
    pub error: Option<String>,
    /// True from `w` until the daemon answered.
    pub saving: bool,
    /// The daemon's answer to the last save.
    pub answer: Option<Result<String, String>>,
}

impl OrderSettingsForm {
    pub fn new(shop: String) -> Self {
        Self {
            shop,
            loaded: None,
            draft: OrderSettings::default(),
            loaded_mcf: None,
            mcf_draft: McfSettings::default(),
            selected: 0,
            editing: None,
            error: None,
            saving: false,
            answer: None,
        }
    }

    pub fn field(&self) -> Field {
        Field::ALL[self.selected.min(Field::ALL.len() - 1)]
    }

    fn is_loaded(&self) -> bool {
        matches!(self.loaded, Some(Ok(_)))
    }

    /// Changed since loaded or last saved.
    pub fn is_dirty(&self) -> bool {
        matches!(&self.loaded, Some(Ok(saved)) if *saved != self.draft) || self.mcf_changed()
    }

    fn mcf_changed(&self) -> bool {
        self.loaded_mcf
            .as_ref()
            .is_some_and(|saved| *saved != self.mcf_draft)
    }

    pub fn loaded_settings(&mut self, result: Result<ShopRules, String>) {
        self.loaded = Some(result.map(|rules| {
            self.draft = rules.orders.clone();
            self.mcf_draft = rules.mcf.clone();
            self.loaded_mcf = Some(rules.mcf);
            rules.orders
        }));
    }

    pub fn move_by(&mut self, step: i32) {
        if self.editing.is_none() {
            self.selected = step_index(self.selected, step, Field::ALL.len());
        }
    }

    /// Enter: start typing into a text field, or switch a choice to its next value.
    pub fn edit(&mut self) -> Result<(), String> {
        if !self.is_loaded() {
            return Err("Wait for the settings to load.".into());
        }
        let field = self.field();
        self.answer = None;
        match field {
            Field::Hold
            | Field::Prefix
            | Field::FbtTag
            | Field::McfMaxUnits
            | Field::McfMaxValue
            | Field::McfExcluded => {
                self.editing = Some(field.text(&self.draft, &self.mcf_draft));
                self.error = None;
            }
            Field::McfSpeed => {
                let all = ShippingSpeed::ALL;
                let at = all
                    .iter()
                    .position(|s| *s == self.mcf_draft.speed)
                    .unwrap_or(0);
                self.mcf_draft.speed = all[(at + 1) % all.len()];
            }
            Field::McfPolicy => {
                let all = FillPolicy::ALL;
                let at = all
                    .iter()
                    .position(|p| *p == self.mcf_draft.policy)
                    .unwrap_or(0);
                self.mcf_draft.policy = all[(at + 1) % all.len()];
            }
            Field::FbtRule => {
                self.draft.fbt_rule = match self.draft.fbt_rule {
                    FbtRule::SyncAtOnce => FbtRule::AfterCollection,
                    FbtRule::AfterCollection => FbtRule::SyncAtOnce,
                };
            }
            Field::Inventory => {
                self.draft.inventory_behaviour =
                    settings::next_inventory(self.draft.inventory_behaviour);
            }
            Field::Restock => self.draft.restock_on_cancel = !self.draft.restock_on_cancel,
        }
        Ok(())
    }

    pub fn takes_input(&self) -> bool {
        self.editing.is_some()
    }

    pub fn input_mut(&mut self) -> Option<&mut String> {
        self.error = None;
        self.editing.as_mut()
    }

    /// Enter while typing: keep the value if it is valid, else say why and keep typing.
    pub fn commit(&mut self) {
        let Some(text) = self.editing.clone() else {
            return;
        };
        let key = self.field().key();
        let applied = if self.field() == Field::McfExcluded {
            // SKUs separated by spaces or commas (a seller SKU holds neither).
            let skus: Vec<String> = text
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|sku| !sku.is_empty())
                .map(str::to_owned)
                .collect();
            settings::apply_mcf(&mut self.mcf_draft, key, &skus)
        } else if key.starts_with("mcf-") {
            settings::apply_mcf(&mut self.mcf_draft, key, &[text])
        } else {
            settings::apply_order(&mut self.draft, key, &[text])
        };
        match applied {
            Ok(()) => {
                self.editing = None;
                self.error = None;
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }

    /// `w`: the save request, or why not now.
    pub fn save(&mut self) -> Result<Request, String> {
        if !self.is_loaded() {
            return Err("Wait for the settings to load.".into());
        }
        if self.editing.is_some() {
            return Err("Finish the field first: Enter keeps it, Esc drops it.".into());
        }
        if self.saving {
            return Err("Already saving…".into());
        }
        self.saving = true;
        self.answer = None;
        Ok(Request::SetOrderSettings {
            shop: self.shop.clone(),
            settings: self.draft.clone(),
            mcf: self.mcf_changed().then(|| self.mcf_draft.clone()),
        })
    }

    pub fn saved(&mut self, result: Result<String, String>) {
        self.saving = false;
        if result.is_ok() {
            self.loaded = Some(Ok(self.draft.clone()));
            self.loaded_mcf = Some(self.mcf_draft.clone());
        }
        self.answer = Some(result);
    }

    /// Esc: drop the field being typed; false when not typing (the form closes).
    pub fn back(&mut self) -> bool {
        if self.editing.take().is_some() {
            self.error = None;
            return true;
        }
        false
    }
}

/// `at` moved by `step` within `0..len`, stopping at the ends.
fn step_index(at: usize, step: i32, len: usize) -> usize {
    let last = len.saturating_sub(1);
    let moved = if step < 0 {
        at.saturating_sub(step.unsigned_abs() as usize)
    } else {
        at.saturating_add(step.unsigned_abs() as usize)
    };
    moved.min(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> CarrierChoices {
        CarrierChoices {
            shop: "s".into(),
            mappings: vec![CarrierMapping {
                store_carrier: "Royal Mail 48".into(),
                tiktok_provider: "Royal Mail".into(),
            }],
            providers: vec!["DPD".into(), "Royal Mail".into(), "Evri".into()],
            region_default: None,
            unmapped_seen: vec!["royal mail 48".into(), "Hermes".into()],
        }
    }

    #[test]
    fn carrier_rows_skip_unmapped_names_mapped_since() {
        let mut editor = CarrierEditor::new("s".into());
        editor.loaded_choices(Ok(choices()));
        let names: Vec<&str> = editor
            .rows()
            .iter()
            .map(CarrierRow::store_carrier)
            .collect();
        assert_eq!(names, ["Royal Mail 48", "Hermes"]);
    }

    #[test]
    fn editing_preselects_the_current_provider_and_filters() {
        let mut editor = CarrierEditor::new("s".into());
        editor.loaded_choices(Ok(choices()));
        editor.edit().unwrap();
        assert!(matches!(
            &editor.mode,
            CarrierMode::Choosing { selected: 1, .. }
        ));
        if let Some(query) = editor.input_mut() {
            query.push('r');
        }
        assert_eq!(editor.providers_matching("R"), ["Royal Mail", "Evri"]);
        editor.move_by(1);
        editor.move_by(1);
        let request = editor.submit().unwrap().unwrap();
        assert_eq!(
            request,
            Request::SetCarrierMapping {
                shop: "s".into(),
                store_carrier: "Royal Mail 48".into(),
                tiktok_provider: Some("Evri".into()),
            }
        );
        assert_eq!(editor.mode, CarrierMode::Browse);
    }

    #[test]
    fn form_refuses_bad_minutes_and_keeps_typing() {
        let mut form = OrderSettingsForm::new("s".into());
        form.loaded_settings(Ok(ShopRules {
            orders: OrderSettings::default(),
            mcf: McfSettings::default(),
        }));
        form.edit().unwrap();
        *form.input_mut().unwrap() = "ten".into();
        form.commit();
        assert!(form.editing.is_some());
        assert!(
            form.error
                .as_deref()
                .unwrap()
                .contains("'ten' is not valid")
        );
        *form.input_mut().unwrap() = "30".into();
        form.commit();
        assert_eq!(form.editing, None);
        assert_eq!(form.draft.hold_minutes, 30);
        assert!(form.is_dirty());
    }

    #[test]
    fn mcf_fields_switch_and_save_only_when_changed() {
        let mut form = OrderSettingsForm::new("s".into());
        form.loaded_settings(Ok(ShopRules {
            orders: OrderSettings::default(),
            mcf: McfSettings::default(),
        }));
        let save = |form: &mut OrderSettingsForm| {
            let request = form.save().unwrap();
            form.saving = false;
            request
        };
        assert!(matches!(
            save(&mut form),
            Request::SetOrderSettings { mcf: None, .. }
        ));
        form.selected = Field::ALL
            .iter()
            .position(|f| *f == Field::McfPolicy)
            .unwrap();
        form.edit().unwrap();
        form.edit().unwrap();
        assert_eq!(form.mcf_draft.policy, FillPolicy::FillAllAvailable);
        assert!(form.is_dirty());
        let Request::SetOrderSettings { mcf: Some(mcf), .. } = save(&mut form) else {
            panic!("the changed MCF rules are saved");
        };
        assert_eq!(mcf.policy, FillPolicy::FillAllAvailable);
        form.saved(Ok("saved".into()));
        assert!(!form.is_dirty());
    }

    #[test]
    fn steps_stop_at_the_ends() {
        assert_eq!(step_index(0, -1, 3), 0);
        assert_eq!(step_index(1, 10, 3), 2);
        assert_eq!(step_index(0, 1, 0), 0);
    }
}
