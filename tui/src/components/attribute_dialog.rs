//! The attribute form: one listing's TikTok product attributes (or a shop category's
//! defaults), required first, each with its value and where it came from; while choosing,
//! TikTok's values with the chosen ones ticked; the shop's rules below. It draws state only.

use super::order_dialogs::{answer_line, frame_box, input_spans};
use crate::attribute_editor::{AttributeEditor, Choice};
use crate::format::NONE;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw_attributes(frame: &mut Frame, area: Rect, editor: &AttributeEditor) {
    let hint = if editor.rule_input.is_some() {
        "type the store option · Enter save the rule (empty removes it) · Esc cancel"
    } else if editor.choosing.is_some() {
        "type to find · ↑/↓ · Enter take or drop · Esc done"
    } else {
        "↑/↓ · Enter choose values · d clear · w save · r store option rule · Esc close"
    };
    let inner = frame_box(
        frame,
        area,
        &format!("TikTok attributes of {}", editor.title),
        hint,
    );
    let form = match &editor.loaded {
        None => {
            let reading = Line::raw("Reading the category's attributes…").dark_gray();
            frame.render_widget(Paragraph::new(reading), inner);
            return;
        }
        Some(Err(error)) => {
            let line = Line::raw(format!("Could not read the attributes: {error}")).red();
            frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), inner);
            return;
        }
        Some(Ok(form)) => form,
    };
    let mut lines = vec![Line::raw(format!("TikTok category {}", form.category_id)).dark_gray()];
    if form.fields.is_empty() {
        lines.push(Line::raw("The category has no product attributes.").italic());
    }
    let width = form
        .fields
        .iter()
        .map(|f| f.name.chars().count() + 2)
        .max()
        .unwrap_or(0);
    for (i, (field, values)) in form.fields.iter().zip(&editor.draft).enumerate() {
        let chosen = i == editor.selected;
        let marker = if chosen { "▶ " } else { "  " };
        let name = format!("{}{}", field.name, if field.required { " *" } else { "" });
        let label = Span::raw(format!("{marker}{name:<width$}  "));
        let mut spans = vec![if chosen { label.bold() } else { label }];
        let edited = *values != field.current;
        if values.is_empty() {
            spans.push(Span::raw(NONE).dark_gray());
        } else {
            spans.push(Span::raw(values.join(", ")));
        }
        if edited {
            spans.push(Span::raw("  (unsaved)").yellow());
        } else if let Some(source) = &field.source {
            spans.push(Span::raw(format!("  ({})", source.label())).dark_gray());
        }
        if !edited && let Some(problem) = &field.problem {
            spans.push(Span::raw(format!("  ✗ {problem}")).red());
        }
        lines.push(Line::from(spans));
        if chosen && let Some(typed) = &editor.rule_input {
            let mut rule = vec![Span::raw(format!(
                "    {} on {} takes the store option: ",
                field.name, editor.shop
            ))];
            rule.extend(input_spans(typed));
            lines.push(Line::from(rule));
        }
        if chosen && let Some(choosing) = &editor.choosing {
            lines.extend(choosing_lines(
                editor,
                values,
                &choosing.query,
                choosing.cursor,
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(rules_line(editor));
    lines.push(Line::raw("* required by TikTok for this category").dark_gray());
    if editor.saving {
        lines.push(Line::raw("Saving…").cyan());
    } else if let Some(answer) = &editor.answer {
        lines.push(answer_line(answer));
    } else if !editor.changes().is_empty() {
        lines.push(Line::raw("Unsaved changes: w saves them, Esc drops them.").yellow());
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The values list under the attribute being chosen: the typed text, then each value.
fn choosing_lines(
    editor: &AttributeEditor,
    values: &[String],
    query: &str,
    cursor: usize,
) -> Vec<Line<'static>> {
    let field = &editor.fields()[editor.selected];
    let how = match (field.multiple, field.customizable) {
        (true, true) => "several values; your own allowed",
        (true, false) => "several values from TikTok's list",
        (false, true) => "one value; your own allowed",
        (false, false) => "one value from TikTok's list",
    };
    let mut find = vec![Span::raw("    find: ")];
    find.extend(input_spans(query));
    find.push(Span::raw(format!("   ({how})")).dark_gray());
    let mut lines = vec![Line::from(find)];
    let choices = editor.choices();
    if choices.is_empty() {
        lines.push(Line::raw("    no value matches").italic().dark_gray());
    }
    for (i, choice) in choices.into_iter().enumerate() {
        let pointer = if i == cursor { "  ▸ " } else { "    " };
        let text = match choice {
            Choice::Listed(name) => {
                let ticked = values.iter().any(|v| v.eq_ignore_ascii_case(&name));
                format!("{pointer}[{}] {name}", if ticked { "x" } else { " " })
            }
            Choice::Own(name) => format!("{pointer}[+] \"{name}\" (your own value)"),
        };
        let line = Line::raw(text);
        lines.push(if i == cursor {
            line.cyan().bold()
        } else {
            line
        });
    }
    lines
}

/// The shop's rules in one line, e.g. "Rules on acme-us: Material ← store option Fabric".
fn rules_line(editor: &AttributeEditor) -> Line<'static> {
    let text = match &editor.rules {
        None => return Line::raw(format!("Reading the rules of {}…", editor.shop)).dark_gray(),
        Some(Err(error)) => {
            return Line::raw(format!(
                "Could not read the rules of {}: {error}",
                editor.shop
            ))
            .red();
        }
        Some(Ok(rules)) if rules.is_empty() => format!(
            "No rules on {}: r takes an attribute from a store option on every listing.",
            editor.shop
        ),
        Some(Ok(rules)) => {
            let each: Vec<String> = rules
                .iter()
                .map(|r| format!("{} ← {}", r.attribute, r.source.label()))
                .collect();
            format!("Rules on {}: {}", editor.shop, each.join(", "))
        }
    };
    Line::raw(text).dark_gray()
}
