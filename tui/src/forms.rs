//! The state behind two console forms and how their keys change them: the size chart template
//! picker of a listing, and the form connecting, replacing or disconnecting an organization's
//! store. No I/O: what they save comes back as a [`Request`]; drawing is in
//! `components::form_dialogs`.

use crate::action::{Credentials, Request};
use feedbridge_common::compliance::SizeChartTemplate;
use feedbridge_common::secret::Secret;
use feedbridge_common::store_change::parse_store_setting;
use feedbridge_common::stores::StorePlatform;

/// Choosing a listing's size chart from its shop's TikTok templates: typing narrows the list
/// by name, ↑/↓ move, Enter sets the highlighted one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeChartPicker {
    pub listing_id: i64,
    pub shop: String,
    pub title: String,
    pub query: String,
    /// Every template of the shop; None until the daemon answered.
    pub templates: Option<Result<Vec<SizeChartTemplate>, String>>,
    pub selected: usize,
}

impl SizeChartPicker {
    pub fn new(listing_id: i64, shop: String, title: String) -> Self {
        Self {
            listing_id,
            shop,
            title,
            query: String::new(),
            templates: None,
            selected: 0,
        }
    }

    /// The templates whose name (or id) contains the typed text, any case.
    pub fn matches(&self) -> Vec<&SizeChartTemplate> {
        let Some(Ok(templates)) = &self.templates else {
            return Vec::new();
        };
        let query = self.query.trim().to_lowercase();
        templates
            .iter()
            .filter(|t| t.name.to_lowercase().contains(&query) || t.id.contains(&query))
            .collect()
    }

    pub fn move_by(&mut self, step: i32) {
        let last = self.matches().len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(step as isize).min(last);
    }

    /// The typed text changed: back to the first match.
    pub fn input_mut(&mut self) -> &mut String {
        self.selected = 0;
        &mut self.query
    }

    /// Enter: the request setting the highlighted template, or why not.
    pub fn choose(&self) -> Result<Request, String> {
        match &self.templates {
            None => return Err("Wait for the size chart templates to load.".into()),
            Some(Err(error)) => return Err(format!("No templates to choose from: {error}")),
            Some(Ok(_)) => {}
        }
        let Some(template) = self.matches().get(self.selected).copied() else {
            return Err(format!(
                "No template of {} matches \"{}\"; type fewer letters.",
                self.shop,
                self.query.trim()
            ));
        };
        Ok(Request::SetSizeChartTemplate {
            listing_id: self.listing_id,
            template: template.clone(),
        })
    }
}

/// What the store form does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreAction {
    Connect,
    Replace,
    Disconnect,
}

impl StoreAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Connect => "connect (the organization has no store)",
            Self::Replace => "replace the organization's store",
            Self::Disconnect => "disconnect the organization's store",
        }
    }

    fn next(self) -> Self {
        match self {
            Self::Connect => Self::Replace,
            Self::Replace => Self::Disconnect,
            Self::Disconnect => Self::Connect,
        }
    }
}

/// The store form's fields, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreField {
    Organization,
    Action,
    Platform,
    Url,
    Settings,
    CredentialFile,
    Credentials,
}

impl StoreField {
    pub const ALL: [StoreField; 7] = [
        Self::Organization,
        Self::Action,
        Self::Platform,
        Self::Url,
        Self::Settings,
        Self::CredentialFile,
        Self::Credentials,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Organization => "Organization",
            Self::Action => "Change",
            Self::Platform => "Platform",
            Self::Url => "Store URL",
            Self::Settings => "Settings",
            Self::CredentialFile => "Credentials file",
            Self::Credentials => "Credentials (typed)",
        }
    }

    /// Enter cycles these instead of typing into them.
    fn cycles(self) -> bool {
        matches!(self, Self::Action | Self::Platform)
    }
}

/// Connecting, replacing or disconnecting an organization's store. The typed credentials are
/// `key=value` pairs separated by `;` and are only ever drawn masked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreForm {
    pub organization: String,
    pub action: StoreAction,
    pub platform: StorePlatform,
    pub url: String,
    /// Store settings besides the address, typed as `key=value; key=value`.
    pub settings: String,
    pub credential_file: String,
    pub credentials: Secret,
    pub selected: usize,
    /// The field being typed into, with its text.
    pub editing: Option<String>,
    /// True from `w` until the daemon answered.
    pub saving: bool,
    /// The daemon's answer (or the form's refusal) to the last `w`.
    pub answer: Option<Result<String, String>>,
}

impl StoreForm {
    /// The form for `organization`, whose store is on `platform` (None: it has none).
    pub fn new(organization: String, platform: Option<&str>) -> Self {
        let current = platform.and_then(|name| {
            StorePlatform::ALL
                .iter()
                .copied()
                .find(|p| p.as_str() == name)
        });
        Self {
            organization,
            action: if current.is_some() {
                StoreAction::Replace
            } else {
                StoreAction::Connect
            },
            platform: current.unwrap_or(StorePlatform::ALL[0]),
            url: String::new(),
            settings: String::new(),
            credential_file: String::new(),
            credentials: Secret::default(),
            selected: 0,
            editing: None,
            saving: false,
            answer: None,
        }
    }

    pub fn field(&self) -> StoreField {
        StoreField::ALL[self.selected.min(StoreField::ALL.len() - 1)]
    }

    /// The fields that matter for the chosen change (disconnect needs the organization only).
    pub fn shown(&self) -> &'static [StoreField] {
        match self.action {
            StoreAction::Disconnect => &StoreField::ALL[..2],
            _ => &StoreField::ALL,
        }
    }

    pub fn move_by(&mut self, step: i32) {
        let last = self.shown().len() - 1;
        self.selected = self.selected.saturating_add_signed(step as isize).min(last);
    }

    pub fn takes_input(&self) -> bool {
        self.editing.is_some()
    }

    pub fn input_mut(&mut self) -> Option<&mut String> {
        self.editing.as_mut()
    }

    /// Enter on a field: cycle a choice, or start typing (a secret starts empty: it is never
    /// shown again, only replaced).
    pub fn edit(&mut self) {
        self.answer = None;
        let field = self.field();
        if field.cycles() {
            match field {
                StoreField::Action => {
                    self.action = self.action.next();
                    self.move_by(0);
                }
                _ => {
                    let all = StorePlatform::ALL;
                    let at = all.iter().position(|p| *p == self.platform).unwrap_or(0);
                    self.platform = all[(at + 1) % all.len()];
                }
            }
            return;
        }
        self.editing = Some(match field {
            StoreField::Organization => self.organization.clone(),
            StoreField::Url => self.url.clone(),
            StoreField::Settings => self.settings.clone(),
            StoreField::CredentialFile => self.credential_file.clone(),
            _ => String::new(),
        });
    }

    /// Enter while typing: keep the text in the field.
    pub fn commit(&mut self) {
        let Some(text) = self.editing.take() else {
            return;
        };
        match self.field() {
            StoreField::Organization => self.organization = text.trim().to_owned(),
            StoreField::Url => self.url = text.trim().to_owned(),
            StoreField::Settings => self.settings = text.trim().to_owned(),
            StoreField::CredentialFile => self.credential_file = text.trim().to_owned(),
            StoreField::Credentials => self.credentials = Secret::new(text),
            StoreField::Action | StoreField::Platform => {}
        }
    }

    /// Esc: stop typing (the field keeps its old value); false when not typing (it closes).
    pub fn back(&mut self) -> bool {
        self.editing.take().is_some()
    }

    /// `w`: the request for the daemon, or what is missing (shown in the form).
    pub fn save(&mut self) -> Result<Request, String> {
        if self.saving {
            return Err("Already asking the daemon…".into());
        }
        let refused = |form: &mut Self, why: String| {
            form.answer = Some(Err(why.clone()));
            Err(why)
        };
        if self.organization.is_empty() {
            return refused(
                self,
                "Name the organization (as the config names it).".into(),
            );
        }
        let request = if self.action == StoreAction::Disconnect {
            Request::StoreDisconnect(self.organization.clone())
        } else {
            if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
                return refused(
                    self,
                    "Type the store's address, e.g. https://acme.myshopify.com.".into(),
                );
            }
            let credentials = match (self.credential_file.is_empty(), self.credentials.is_empty()) {
                (false, true) => Credentials::File(self.credential_file.clone()),
                (true, false) => match credential_lines(self.credentials.expose()) {
                    Ok(lines) => Credentials::Typed(Secret::new(lines)),
                    Err(why) => return refused(self, why),
                },
                (true, true) => {
                    return refused(
                        self,
                        "Give the credentials: a file path, or type them as key=value; key=value."
                            .into(),
                    );
                }
                (false, false) => {
                    return refused(
                        self,
                        "Give the credentials once: clear the file path or the typed ones.".into(),
                    );
                }
            };
            let settings = match store_settings(&self.settings) {
                Ok(settings) => settings,
                Err(why) => return refused(self, why),
            };
            Request::StoreConnect {
                organization: self.organization.clone(),
                platform: self.platform.as_str().to_owned(),
                url: self.url.clone(),
                settings,
                credentials,
                replace: self.action == StoreAction::Replace,
            }
        };
        self.saving = true;
        self.answer = None;
        Ok(request)
    }

    pub fn saved(&mut self, result: Result<String, String>) {
        self.saving = false;
        if result.is_ok() {
            // Sent: keep no copy of the secret in the console.
            self.credentials = Secret::default();
        }
        self.answer = Some(result);
    }
}

/// Typed `key=value; key=value` store settings (Amazon's `marketplace_id`, `seller_id`, ...).
pub fn store_settings(typed: &str) -> Result<Vec<(String, String)>, String> {
    typed
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| parse_store_setting(pair).map_err(|why| format!("Settings: {why}.")))
        .collect()
}

/// Typed `key=value; key=value` as the secrets file's `key = "value"` lines (TOML strings).
pub fn credential_lines(typed: &str) -> Result<String, String> {
    let mut lines = String::new();
    for pair in typed.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            let key = pair.split_whitespace().next().unwrap_or_default();
            return Err(format!(
                "Credentials are key=value pairs separated by ';'; \"{key}…\" has no '='."
            ));
        };
        let key = key.trim();
        let valid = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!(
                "\"{key}\" is not a credential key (letters, digits, _ and - only)."
            ));
        }
        let value = value.trim().trim_matches('"');
        lines.push_str(&format!(
            "{key} = {}\n",
            toml::Value::String(value.to_owned())
        ));
    }
    if lines.is_empty() {
        return Err("Type the credentials as key=value; key=value.".into());
    }
    Ok(lines)
}

/// The typed credentials as drawn: keys kept, every value character masked.
pub fn masked(typed: &str) -> String {
    let mut out = String::new();
    let mut in_value = false;
    for c in typed.chars() {
        match c {
            ';' => {
                in_value = false;
                out.push(c);
            }
            '=' if !in_value => {
                in_value = true;
                out.push(c);
            }
            _ if in_value && !c.is_whitespace() => out.push('•'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Vec<SizeChartTemplate> {
        [("601", "Kids sleepwear"), ("602", "Women's jeans")]
            .map(|(id, name)| SizeChartTemplate {
                id: id.into(),
                name: name.into(),
            })
            .to_vec()
    }

    #[test]
    fn the_picker_narrows_by_name_and_sets_the_highlighted_template() {
        let mut picker = SizeChartPicker::new(4, "acme-us".into(), "Pajamas".into());
        assert!(picker.choose().is_err(), "not loaded");
        picker.templates = Some(Ok(templates()));
        picker.move_by(5);
        assert_eq!(picker.selected, 1);
        picker.input_mut().push_str("KIDS");
        assert_eq!(picker.selected, 0);
        assert_eq!(
            picker.choose(),
            Ok(Request::SetSizeChartTemplate {
                listing_id: 4,
                template: templates()[0].clone(),
            })
        );
        picker.input_mut().push_str("zzz");
        assert!(picker.choose().unwrap_err().contains("No template"));
    }

    #[test]
    fn typed_credentials_become_toml_lines_and_are_drawn_masked() {
        let lines =
            credential_lines(" consumer_key = ck_1 ; consumer_secret=\"cs \\\"2\" ;").unwrap();
        let parsed: toml::Table = lines.parse().unwrap();
        assert_eq!(parsed["consumer_key"].as_str(), Some("ck_1"));
        assert_eq!(parsed["consumer_secret"].as_str(), Some("cs \\\"2"));
        assert!(
            credential_lines("shpat_123")
                .unwrap_err()
                .contains("no '='")
        );
        assert!(
            credential_lines("bad key=1")
                .unwrap_err()
                .contains("not a credential key")
        );
        assert_eq!(
            masked("access_token=shpat; k=ab"),
            "access_token=•••••; k=••"
        );
    }

    #[test]
    fn the_store_form_sends_a_checked_change_and_forgets_the_secret() {
        let mut form = StoreForm::new("acme".into(), Some("shopify"));
        assert_eq!(form.action, StoreAction::Replace);
        assert_eq!(form.platform, StorePlatform::Shopify);
        assert!(form.save().unwrap_err().contains("store's address"));
        assert!(matches!(form.answer, Some(Err(_))), "shown in the form");
        form.selected = 3;
        form.edit();
        form.input_mut()
            .unwrap()
            .push_str("https://acme.myshopify.com ");
        form.commit();
        assert!(form.save().unwrap_err().contains("Give the credentials"));
        form.selected = 6;
        form.edit();
        form.input_mut().unwrap().push_str("access_token=shpat_9");
        form.commit();
        let request = form.save().unwrap();
        assert_eq!(
            request,
            Request::StoreConnect {
                organization: "acme".into(),
                platform: "shopify".into(),
                url: "https://acme.myshopify.com".into(),
                credentials: Credentials::Typed(Secret::new("access_token = \"shpat_9\"\n")),
                settings: Vec::new(),
                replace: true,
            }
        );
        assert!(
            !format!("{request:?}").contains("shpat_9"),
            "never in Debug"
        );
        form.saved(Ok("Replaced.".into()));
        assert!(form.credentials.is_empty());

        form.selected = 1;
        form.edit();
        assert_eq!(form.action, StoreAction::Disconnect);
        assert_eq!(form.shown().len(), 2);
        assert_eq!(form.save(), Ok(Request::StoreDisconnect("acme".into())));
    }
}
