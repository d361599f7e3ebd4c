//! The state behind the console's attribute form and how its keys change it: one listing's
//! TikTok product attributes, or a shop category's defaults for every listing in it, and the
//! shop's rules taking an attribute from a store option. No I/O: saves come back as
//! [`Request`]s; drawing is in `components::attribute_dialog`.

use crate::action::Request;
use feedbridge_common::attributes::{
    AttributeField, AttributeForm, AttributeRule, AttributeTarget, RuleSource,
};

/// Picking the values of one attribute: typing filters TikTok's values (or is a value of
/// one's own where TikTok allows it), ↑/↓ move, Enter takes or drops the highlighted one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choosing {
    pub query: String,
    pub cursor: usize,
}

/// One entry of the values list while choosing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    Listed(String),
    /// The typed text, as a value of the merchant's own.
    Own(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeEditor {
    pub target: AttributeTarget,
    /// The TikTok shop whose rules the form shows and changes.
    pub shop: String,
    pub title: String,
    /// The daemon's form; None until it answered.
    pub loaded: Option<Result<AttributeForm, String>>,
    /// The values as edited, one list per field of the loaded form.
    pub draft: Vec<Vec<String>>,
    pub selected: usize,
    pub choosing: Option<Choosing>,
    /// True from `w` until the daemon answered.
    pub saving: bool,
    /// The daemon's answer to the last save.
    pub answer: Option<Result<String, String>>,
    /// The shop's rules; None until the daemon answered.
    pub rules: Option<Result<Vec<AttributeRule>, String>>,
    /// `r`: the store option being typed for the selected attribute's rule.
    pub rule_input: Option<String>,
}

impl AttributeEditor {
    /// The form of one listing of `shop`.
    pub fn listing(listing_id: i64, shop: String, title: String) -> Self {
        Self::new(AttributeTarget::Listing { listing_id }, shop, title)
    }

    /// The defaults of `category_id` on `shop`, for every listing in it.
    pub fn category(shop: String, category_id: String) -> Self {
        let title = format!("category {category_id} on {shop} (defaults)");
        let target = AttributeTarget::Category {
            shop: shop.clone(),
            category_id,
        };
        Self::new(target, shop, title)
    }

    fn new(target: AttributeTarget, shop: String, title: String) -> Self {
        Self {
            target,
            shop,
            title,
            loaded: None,
            draft: Vec::new(),
            selected: 0,
            choosing: None,
            saving: false,
            answer: None,
            rules: None,
            rule_input: None,
        }
    }

    pub fn target(&self) -> AttributeTarget {
        self.target.clone()
    }

    /// Whether this form is `target`'s (answers for another form are dropped).
    pub fn is_for(&self, target: &AttributeTarget) -> bool {
        self.target == *target
    }

    /// The daemon's requests that fill the form: its fields and the shop's rules.
    pub fn load_requests(&self) -> [Request; 2] {
        [
            Request::AttributeForm(self.target()),
            Request::AttributeRules(self.shop.clone()),
        ]
    }

    /// The store field the selected attribute follows by a shop rule, if any.
    pub fn rule_of(&self, attribute: &str) -> Option<&RuleSource> {
        let Some(Ok(rules)) = &self.rules else {
            return None;
        };
        rules
            .iter()
            .find(|r| r.attribute.eq_ignore_ascii_case(attribute))
            .map(|r| &r.source)
    }

    /// `r`: start typing the store option the selected attribute takes (the current rule's
    /// option to change, or nothing).
    pub fn edit_rule(&mut self) -> Result<(), String> {
        let Some(field) = self.field() else {
            return Err("Wait for the attributes to load.".into());
        };
        let current = self
            .rule_of(&field.name)
            .map(RuleSource::spec)
            .unwrap_or_default();
        self.answer = None;
        self.choosing = None;
        self.rule_input = Some(current);
        Ok(())
    }

    /// Enter while typing a rule: the request saving it (an empty option removes the rule).
    pub fn save_rule(&mut self) -> Result<Request, String> {
        let (Some(field), Some(typed)) = (self.field(), &self.rule_input) else {
            return Err("Press r on an attribute to give it a rule.".into());
        };
        let typed = typed.trim().to_owned();
        let attribute = field.name.clone();
        if typed.is_empty() && self.rule_of(&attribute).is_none() {
            return Err(format!(
                "Type the store field {attribute} should take: an option name (e.g. Fabric), \
                 tag:PREFIX, vendor or field:KEY; or Esc."
            ));
        }
        let source = if typed.is_empty() {
            None
        } else {
            Some(RuleSource::parse(&typed)?)
        };
        self.rule_input = None;
        self.saving = true;
        Ok(Request::SetAttributeRule {
            shop: self.shop.clone(),
            attribute,
            source,
        })
    }

    pub fn fields(&self) -> &[AttributeField] {
        match &self.loaded {
            Some(Ok(form)) => &form.fields,
            _ => &[],
        }
    }

    pub fn loaded_form(&mut self, result: Result<AttributeForm, String>) {
        if let Ok(form) = &result {
            self.draft = form.fields.iter().map(|f| f.current.clone()).collect();
            self.selected = self.selected.min(form.fields.len().saturating_sub(1));
        }
        self.loaded = Some(result);
    }

    fn field(&self) -> Option<&AttributeField> {
        self.fields().get(self.selected)
    }

    /// Attributes whose values differ from what the daemon reported: (name, values).
    pub fn changes(&self) -> Vec<(String, Vec<String>)> {
        self.fields()
            .iter()
            .zip(&self.draft)
            .filter(|(field, values)| field.current != **values)
            .map(|(field, values)| (field.name.clone(), values.clone()))
            .collect()
    }

    /// The entries while choosing: TikTok's values containing the typed text, then the text
    /// itself where custom values are allowed and it is not one of them.
    pub fn choices(&self) -> Vec<Choice> {
        let (Some(field), Some(choosing)) = (self.field(), &self.choosing) else {
            return Vec::new();
        };
        let query = choosing.query.trim().to_lowercase();
        let mut choices: Vec<Choice> = field
            .allowed
            .iter()
            .filter(|v| v.name.to_lowercase().contains(&query))
            .map(|v| Choice::Listed(v.name.clone()))
            .collect();
        let exact = field
            .allowed
            .iter()
            .any(|v| v.name.eq_ignore_ascii_case(choosing.query.trim()));
        if field.customizable && !query.is_empty() && !exact {
            choices.push(Choice::Own(choosing.query.trim().to_owned()));
        }
        choices
    }

    pub fn move_by(&mut self, step: i32) {
        let len = match &self.choosing {
            Some(_) => self.choices().len(),
            None => self.fields().len(),
        };
        let at = match &self.choosing {
            Some(choosing) => choosing.cursor,
            None => self.selected,
        };
        let moved = at
            .saturating_add_signed(step as isize)
            .min(len.saturating_sub(1));
        match &mut self.choosing {
            Some(choosing) => choosing.cursor = moved,
            None => self.selected = moved,
        }
    }

    /// Enter: start choosing the selected attribute's values.
    pub fn edit(&mut self) -> Result<(), String> {
        if self.field().is_none() {
            return Err("Wait for the attributes to load.".into());
        }
        self.answer = None;
        self.choosing = Some(Choosing {
            query: String::new(),
            cursor: 0,
        });
        Ok(())
    }

    pub fn takes_input(&self) -> bool {
        self.choosing.is_some() || self.rule_input.is_some()
    }

    pub fn input_mut(&mut self) -> Option<&mut String> {
        if let Some(typed) = &mut self.rule_input {
            return Some(typed);
        }
        let choosing = self.choosing.as_mut()?;
        choosing.cursor = 0;
        Some(&mut choosing.query)
    }

    /// Enter while choosing: take (or drop) the highlighted value. An attribute with one
    /// value is done at once; one taking several stays open for more.
    pub fn choose(&mut self) -> Result<(), String> {
        let Some(field) = self.field().cloned() else {
            return Ok(());
        };
        let cursor = self.choosing.as_ref().map_or(0, |c| c.cursor);
        let Some(choice) = self.choices().get(cursor).cloned() else {
            let typed = self.choosing.as_ref().map(|c| c.query.clone());
            return Err(match typed {
                Some(text) if !text.trim().is_empty() && !field.customizable => format!(
                    "\"{}\" is not one of TikTok's values for {}; pick one from the list.",
                    text.trim(),
                    field.name
                ),
                _ => "Type to find a value, then Enter.".into(),
            });
        };
        let (Choice::Listed(value) | Choice::Own(value)) = choice;
        let Some(values) = self.draft.get_mut(self.selected) else {
            return Ok(());
        };
        if field.multiple {
            match values.iter().position(|v| v.eq_ignore_ascii_case(&value)) {
                Some(at) => {
                    values.remove(at);
                }
                None => values.push(value),
            }
            if let Some(choosing) = &mut self.choosing {
                choosing.query.clear();
            }
        } else {
            *values = vec![value];
            self.choosing = None;
        }
        Ok(())
    }

    /// `d`: clear the selected attribute (its default, rule or store option applies again).
    pub fn clear(&mut self) {
        if let Some(values) = self.draft.get_mut(self.selected) {
            values.clear();
        }
    }

    /// `w`: the save request, or why not now.
    pub fn save(&mut self) -> Result<Request, String> {
        if !matches!(self.loaded, Some(Ok(_))) {
            return Err("Wait for the attributes to load.".into());
        }
        if self.saving {
            return Err("Already saving…".into());
        }
        let values = self.changes();
        if values.is_empty() {
            return Err("Nothing changed: Enter on an attribute chooses its values.".into());
        }
        self.saving = true;
        self.answer = None;
        Ok(Request::SetAttributes {
            target: self.target(),
            values,
        })
    }

    pub fn saved(&mut self, result: Result<String, String>) {
        self.saving = false;
        self.answer = Some(result);
    }

    /// Esc: stop choosing or typing a rule; false when doing neither (the form closes).
    pub fn back(&mut self) -> bool {
        self.rule_input.take().is_some() || self.choosing.take().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::attributes::AllowedValue;

    fn form() -> AttributeForm {
        let field =
            |name: &str, multiple: bool, customizable: bool, values: &[&str]| AttributeField {
                id: name.to_lowercase(),
                name: name.into(),
                required: multiple,
                multiple,
                customizable,
                allowed: values
                    .iter()
                    .map(|v| AllowedValue {
                        id: v.to_lowercase(),
                        name: (*v).into(),
                    })
                    .collect(),
                current: Vec::new(),
                source: None,
                problem: None,
            };
        AttributeForm {
            target: AttributeTarget::Listing { listing_id: 3 },
            title: "Tee".into(),
            category_id: "601226".into(),
            fields: vec![
                field("Material", true, false, &["Cotton", "Polyester", "Linen"]),
                field("Pattern", false, true, &["Solid", "Striped"]),
            ],
        }
    }

    fn typed(editor: &mut AttributeEditor, text: &str) {
        if let Some(query) = editor.input_mut() {
            query.push_str(text);
        }
    }

    #[test]
    fn several_values_from_the_list_and_one_of_ones_own() {
        let mut editor = AttributeEditor::listing(3, "acme-us".into(), "Tee".into());
        assert!(editor.save().is_err());
        editor.loaded_form(Ok(form()));
        editor.edit().unwrap();
        typed(&mut editor, "lin");
        assert_eq!(editor.choices(), [Choice::Listed("Linen".into())]);
        editor.choose().unwrap();
        typed(&mut editor, "silk");
        let refused = editor.choose().unwrap_err();
        assert!(refused.contains("\"silk\""), "{refused}");
        if let Some(query) = editor.input_mut() {
            query.clear();
        }
        editor.move_by(1);
        editor.choose().unwrap();
        assert!(editor.back());
        assert_eq!(editor.draft[0], ["Linen", "Polyester"]);

        editor.move_by(1);
        editor.edit().unwrap();
        typed(&mut editor, "Dots");
        assert_eq!(editor.choices(), [Choice::Own("Dots".into())]);
        editor.choose().unwrap();
        assert!(editor.choosing.is_none(), "one value: done at once");
        assert_eq!(
            editor.save(),
            Ok(Request::SetAttributes {
                target: AttributeTarget::Listing { listing_id: 3 },
                values: vec![
                    ("Material".into(), vec!["Linen".into(), "Polyester".into()]),
                    ("Pattern".into(), vec!["Dots".into()]),
                ],
            })
        );
        assert!(editor.save().is_err(), "already saving");
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use feedbridge_common::attributes::AttributeField;

    fn loaded(editor: &mut AttributeEditor) {
        let field = AttributeField {
            id: "100392".into(),
            name: "Material".into(),
            required: true,
            multiple: true,
            customizable: false,
            allowed: Vec::new(),
            current: Vec::new(),
            source: None,
            problem: None,
        };
        editor.loaded_form(Ok(AttributeForm {
            target: editor.target(),
            title: editor.title.clone(),
            category_id: "601226".into(),
            fields: vec![field],
        }));
    }

    #[test]
    fn a_category_form_targets_the_shops_category_and_loads_its_rules() {
        let editor = AttributeEditor::category("acme-us".into(), "601226".into());
        let target = AttributeTarget::Category {
            shop: "acme-us".into(),
            category_id: "601226".into(),
        };
        assert!(editor.is_for(&target));
        assert_eq!(
            editor.load_requests(),
            [
                Request::AttributeForm(target),
                Request::AttributeRules("acme-us".into())
            ]
        );
    }

    #[test]
    fn a_rule_is_typed_saved_and_removed_with_an_empty_option() {
        let mut editor = AttributeEditor::listing(3, "acme-us".into(), "Tee".into());
        assert!(editor.edit_rule().is_err(), "nothing loaded yet");
        loaded(&mut editor);
        editor.edit_rule().unwrap();
        assert!(editor.takes_input());
        assert!(
            editor.save_rule().is_err(),
            "no option typed and no rule to remove"
        );
        editor.input_mut().unwrap().push_str(" Fabric ");
        assert_eq!(
            editor.save_rule(),
            Ok(Request::SetAttributeRule {
                shop: "acme-us".into(),
                attribute: "Material".into(),
                source: Some(RuleSource::Option {
                    name: "Fabric".into()
                }),
            })
        );
        editor.saved(Ok("saved".into()));
        editor.rules = Some(Ok(vec![AttributeRule {
            attribute: "Material".into(),
            source: RuleSource::Option {
                name: "Fabric".into(),
            },
        }]));
        editor.edit_rule().unwrap();
        assert_eq!(editor.rule_input.as_deref(), Some("option:Fabric"));
        editor.input_mut().unwrap().clear();
        assert_eq!(
            editor.save_rule(),
            Ok(Request::SetAttributeRule {
                shop: "acme-us".into(),
                attribute: "Material".into(),
                source: None,
            })
        );
        editor.edit_rule().unwrap();
        assert!(editor.back(), "Esc stops typing the rule");
        assert!(!editor.back(), "then closes the form");
    }
}
