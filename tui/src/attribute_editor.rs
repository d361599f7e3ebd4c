//! The state behind the console's attribute form (one listing's TikTok product attributes)
//! and how its keys change it. No I/O: the save comes back as a [`Request`]; drawing is in
//! `components::attribute_dialog`.

use crate::action::Request;
use feedbridge_common::attributes::{AttributeField, AttributeForm, AttributeTarget};

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
    pub listing_id: i64,
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
}

impl AttributeEditor {
    pub fn new(listing_id: i64, title: String) -> Self {
        Self {
            listing_id,
            title,
            loaded: None,
            draft: Vec::new(),
            selected: 0,
            choosing: None,
            saving: false,
            answer: None,
        }
    }

    pub fn target(&self) -> AttributeTarget {
        AttributeTarget::Listing {
            listing_id: self.listing_id,
        }
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
        self.choosing.is_some()
    }

    pub fn input_mut(&mut self) -> Option<&mut String> {
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

    /// Esc: stop choosing; false when not choosing (the form closes).
    pub fn back(&mut self) -> bool {
        self.choosing.take().is_some()
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
        let mut editor = AttributeEditor::new(3, "Tee".into());
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
